import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLockIfUsed, acquireWorkspaceLock, LOCK_FILE, readLock } from '../../src/core/lock';
import { HeadTail, RunLog } from '../../src/core/runLog';
import { SmokesError } from '../../src/core/errors';
import type { Logger } from '../../src/core/types';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sf-lock-'));
  dirs.push(d);
  return d;
}
function recordingLogger(lines: string[]): Logger {
  const push = (m: string) => lines.push(m);
  return { trace: push, debug: push, info: push, warn: push, error: push };
}

describe('workspace lock', () => {
  it('refuses a second holder with its pid and start time, and frees on release', () => {
    const ws = tempDir();
    const lock = acquireWorkspaceLock(ws);
    expect(readLock(ws)).toMatchObject({ pid: process.pid, purpose: 'run' });
    let error: unknown;
    try {
      acquireWorkspaceLock(ws);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SmokesError);
    expect((error as SmokesError).code).toBe('locked');
    expect((error as SmokesError).message).toContain(`pid ${process.pid}, started ${lock.holder.startedAt}`);
    lock.release();
    expect(existsSync(join(ws, LOCK_FILE))).toBe(false);
    acquireWorkspaceLock(ws).release();
  });

  it('takes over the lock of a process that is gone, or of a reused pid, with one line', () => {
    const ws = tempDir();
    const dead = spawnSync('true').pid!;
    acquireWorkspaceLock(ws).release();
    writeFileSync(join(ws, LOCK_FILE), JSON.stringify({ pid: dead, startedAt: 'then', purpose: 'run', processStart: null }));
    const lines: string[] = [];
    const lock = acquireWorkspaceLock(ws, { log: recordingLogger(lines) });
    expect(lines).toEqual([`Took over the workspace lock of pid ${dead} (started then), which is no longer running.`]);
    lock.release();
    // Our own pid with another process start time: a process that reused the pid, not the holder.
    writeFileSync(join(ws, LOCK_FILE), JSON.stringify({ pid: process.pid, startedAt: 'then', purpose: 'run', processStart: '1' }));
    acquireWorkspaceLock(ws).release();
  });

  it('release leaves a lock that someone else took over; restore creates nothing where no loop ran', () => {
    const ws = tempDir();
    const lock = acquireWorkspaceLock(ws);
    writeFileSync(join(ws, LOCK_FILE), JSON.stringify({ pid: process.pid, startedAt: 'later', purpose: 'run', processStart: null }));
    lock.release();
    expect(readLock(ws)?.startedAt).toBe('later');
    const fresh = tempDir();
    expect(acquireLockIfUsed(fresh, { purpose: 'restore' })).toBeNull();
    expect(existsSync(join(fresh, '.smokes-fixer'))).toBe(false);
  });
});

describe('bounded output', () => {
  it('HeadTail keeps the head, the tail and a count of what was left out, within bounded memory', () => {
    const view = new HeadTail(10, 10);
    for (let i = 0; i < 10_000; i++) view.push('0123456789');
    expect(view.length).toBe(100_000);
    expect(view.omitted).toBe(100_000 - 20);
    const text = view.text();
    expect(text.startsWith('0123456789\n[… 99,980 characters of output left out here; 100,000 in all …]\n')).toBe(true);
    expect(text.endsWith('0123456789')).toBe(true);
    const small = new HeadTail(10, 10);
    small.push('abc');
    small.push('defghijklmnop');
    expect(small.text()).toBe('abcdefghijklmnop');
  });

  it('RunLog writes one plain output record per process and the latest pytest run to its file', () => {
    const ws = tempDir();
    const log = new RunLog(join(ws, 'artifacts', 'run-log.jsonl'), undefined, join(ws, 'artifacts', 'pytest-output.txt'));
    log.event({ type: 'command', purpose: 'pytest', command: 'python3 -m pytest -q', cwd: ws });
    for (let i = 0; i < 100; i++) log.event({ type: 'output', source: 'pytest', text: i === 50 ? '\u001b[3' : i === 51 ? '1mred\u001b[0m\n' : `line ${i}\n` });
    log.event({ type: 'validation', action: 'x', lines: [], decision: 'proceed' });
    log.close();
    const records = readFileSync(join(ws, 'artifacts', 'run-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.kind)).toEqual(['event', 'output', 'event']);
    expect(records[1].text).toContain('line 0\n');
    expect(records[1].text).toContain('\nred\n'); // the colour code cut between two chunks is removed whole
    const file = readFileSync(join(ws, 'artifacts', 'pytest-output.txt'), 'utf8');
    expect(file).toBe(records[1].text);
  });
});
