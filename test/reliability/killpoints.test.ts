import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { removeWorkspace } from '../integration/helpers/workspace';
import {
  BREAK_MUL_WIDE,
  compareTrees,
  expectedAfter,
  FIX_ADD,
  FIX_DIV,
  NOOP_WIDE,
  otherProcessEdits,
  ROOT,
  SCRIPTED_PRODUCER,
  treeBytes,
  userWorkspace,
  Figures,
} from './helpers';

// Kill points: the CLI (`node dist/cli.js run`) killed with SIGKILL at each step, reached exactly through
// the test-only pause (src/core/testHooks.ts), while the user keeps working; then `smokes-fixer restore`.
// Afterwards the tree must be as before the loop plus the user's concurrent edits, byte for byte.

const CLI = join(ROOT, 'dist', 'cli.js');
const figures = new Figures('kill-points');
const made: string[] = [];

beforeAll(() => {
  execFileSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'ignore' });
}, 180_000);
afterEach(async () => {
  while (made.length) {
    const dir = made.pop()!;
    await removeWorkspace(dir);
    for (const f of [`${dir}-answers.json`, `${dir}-answers.json.n`, `${dir}.marker`]) await rm(f, { force: true });
  }
});
afterAll(() => figures.write());

/** Every descendant of a process (children of children included), from ps. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const out: number[] = [];
  const visit = (p: number) => {
    for (const [child, parent] of table) if (parent === p) out.push(child), visit(child);
  };
  visit(pid);
  return out;
}

async function waitFor(file: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    if (existsSync(file) && readFileSync(file, 'utf8').endsWith('\n')) return;
    if (child.exitCode !== null) throw new Error(`the loop ended (exit ${child.exitCode}) before the kill point: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the kill point was never reached');
}

/**
 * Runs the CLI until it pauses at `step`, lets the user's other process edit, creates and delete files,
 * kills the CLI and everything it started with SIGKILL, runs `restore`, and compares the tree.
 */
async function killAt(step: string, answers: string[], flags: string[] = []): Promise<{ restoreOut: string }> {
  const { dir, script } = await userWorkspace(answers);
  made.push(dir);
  const before = await treeBytes(dir);
  const marker = `${dir}.marker`;
  const child = spawn('node', [CLI, 'run', '--cwd', dir, '--producer', 'command', '--producer-command', `SF_SCRIPT=${script} python3 ${SCRIPTED_PRODUCER}`, ...flags], {
    env: { ...process.env, ND_SMOKE: '', SMOKES_FIXER_TEST_PAUSE: step, SMOKES_FIXER_TEST_PAUSE_MARKER: marker },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitFor(marker, child, () => stderr);
    otherProcessEdits(dir, 'pause');
  } finally {
    const all = [child.pid!, ...descendants(child.pid!)];
    for (const pid of all) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  }
  expect(child.signalCode).toBe('SIGKILL');

  const restore = spawnSync('node', [CLI, 'restore', '--cwd', dir], { encoding: 'utf8', timeout: 120_000 });
  expect(restore.status, restore.stderr).toBe(0);
  const { compared, differing } = compareTrees(await treeBytes(dir), expectedAfter(before, ['pause']));
  figures.tried();
  figures.compared(compared);
  if (differing.length > 0) figures.failed('lost', `${step}: differs: ${differing.join(', ')}`);
  expect(differing).toEqual([]);
  return { restoreOut: restore.stdout };
}

describe('kill points: SIGKILL at each step, then restore', () => {
  it('during the baseline pytest run (nothing written yet: restore has nothing to undo)', async () => {
    const { restoreOut } = await killAt('pytest:baseline', [FIX_ADD]);
    expect(restoreOut).toContain('0 file(s) written back, 0 removed');
  });

  it('in a second run, before its start snapshot (taken beside the baseline): restore leaves the first run\'s kept patches alone', async () => {
    const { dir, script } = await userWorkspace([FIX_ADD, FIX_DIV]);
    made.push(dir);
    const first = spawnSync('node', [CLI, 'run', '--cwd', dir, '--producer', 'command', '--producer-command', `SF_SCRIPT=${script} python3 ${SCRIPTED_PRODUCER}`], {
      env: { ...process.env, ND_SMOKE: '' },
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(first.status, first.stderr).toBe(0);
    const patched = await treeBytes(dir);
    expect(await readFile(join(dir, 'calc/__init__.py'), 'utf8')).toContain('return a + b');
    // The second run is killed before its start snapshot is taken (the baseline may have started).
    const marker = `${dir}.marker`;
    const child = spawn('node', [CLI, 'run', '--cwd', dir, '--producer', 'command', '--producer-command', 'false'], {
      env: { ...process.env, ND_SMOKE: '', SMOKES_FIXER_TEST_PAUSE: 'snapshot', SMOKES_FIXER_TEST_PAUSE_MARKER: marker },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitFor(marker, child, () => stderr);
    } finally {
      for (const pid of [child.pid!, ...descendants(child.pid!)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    }
    const restore = spawnSync('node', [CLI, 'restore', '--cwd', dir], { encoding: 'utf8', timeout: 120_000 });
    expect(restore.status, restore.stderr).toBe(0);
    expect(restore.stdout).toContain('0 file(s) written back, 0 removed');
    const { differing } = compareTrees(await treeBytes(dir), patched);
    expect(differing).toEqual([]);
  });

  it('during the verification pytest run', async () => {
    const { restoreOut } = await killAt('pytest:verification', [NOOP_WIDE]);
    expect(restoreOut).toContain('restored calc/__init__.py');
    expect(restoreOut).toContain('removed  calc/helper.py');
  });

  it('between apply and verify', async () => {
    const { restoreOut } = await killAt('applied', [NOOP_WIDE]);
    expect(restoreOut).toContain('restored calc/legacy.py');
  });

  it('during the regression rollback, before its first file was put back', async () => {
    const { restoreOut } = await killAt('undo', [FIX_ADD, BREAK_MUL_WIDE]);
    expect(restoreOut).toContain('removed  calc/extra.py');
  });

  it('while writing the bundle, a kept patch still on disk', async () => {
    const { restoreOut } = await killAt('bundle', [FIX_ADD, NOOP_WIDE], ['--retries', '1']);
    expect(restoreOut).toContain('restored calc/__init__.py');
    expect(await readFile(join(made[0]!, 'calc/__init__.py'), 'utf8')).toContain('return a - b');
  });
});
