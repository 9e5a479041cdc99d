// One loop per workspace (PRODUCT.md 23). A lock file under `.smokes-fixer/` names its holder (pid,
// the process's own start time, the loop's start time); it is created atomically (O_EXCL), so two runs
// started at the same moment cannot both get it, and the CLI and the editor share it because both go
// through runLoop. A lock whose process is gone is taken over, with one line that says so.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SmokesError } from './errors';
import { silentLogger, type Logger } from './types';

export const LOCK_FILE = '.smokes-fixer/loop.lock';

export interface LockHolder {
  pid: number;
  /** When the holder took the lock (ISO 8601). */
  startedAt: string;
  /** What holds it: `run`, `restore`. */
  purpose: string;
  /** The holder process's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  processStart: string | null;
}

export interface WorkspaceLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours. Safe to call more than once. */
  release(): void;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in ticks since boot. Null off Linux. */
function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); start time is field 22.
    if (fields[0] === 'Z') return 'zombie';
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** The holder is a process that still runs: alive, not a zombie, and not a new process with its pid. */
export function holderAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else; that still holds the lock.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStartOf(holder.pid);
  if (start === 'zombie') return false;
  if (start !== null && holder.processStart !== null && start !== holder.processStart) return false;
  return true;
}

export function readLock(workspace: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(join(workspace, LOCK_FILE), 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number') return null;
    return {
      pid: parsed.pid,
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : 'an unknown time',
      purpose: typeof parsed.purpose === 'string' ? parsed.purpose : 'run',
      processStart: typeof parsed.processStart === 'string' ? parsed.processStart : null,
    };
  } catch {
    return null;
  }
}

export function lockedError(holder: LockHolder, wanted: string): SmokesError {
  const what = holder.purpose === 'restore' ? 'A restore' : 'Another Smokes Fixer loop';
  return new SmokesError(
    'locked',
    `${what} is running on this workspace (pid ${holder.pid}, started ${holder.startedAt}); ${wanted} was refused.`,
    'Wait for it to finish or cancel it there (Ctrl-C in its terminal, Cancel in VS Code); one loop per workspace keeps runs from undoing each other.',
  );
}

/**
 * Takes the workspace lock or throws `SmokesError('locked')` naming the live holder. A lock left by a
 * process that is gone (a crash, a killed editor) is taken over and logged.
 */
export function acquireWorkspaceLock(workspace: string, o: { purpose?: string; log?: Logger } = {}): WorkspaceLock {
  const log = o.log ?? silentLogger;
  const path = join(workspace, LOCK_FILE);
  mkdirSync(join(workspace, '.smokes-fixer'), { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    purpose: o.purpose ?? 'run',
    processStart: processStartOf(process.pid),
  };
  for (let round = 0; round < 5; round++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, JSON.stringify(holder) + '\n');
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        path,
        holder,
        release() {
          if (released) return;
          released = true;
          // Only our own lock: a taken-over lock belongs to someone else now.
          const now = readLock(workspace);
          if (now && (now.pid !== holder.pid || now.startedAt !== holder.startedAt)) return;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = readLock(workspace);
    if (existing && holderAlive(existing)) throw lockedError(existing, o.purpose === 'restore' ? 'restore' : 'this run');
    if (existing === null && round === 0) {
      // Being written by a process that has just created it: give it a moment before judging it.
      sleepSync(50);
      const again = readLock(workspace);
      if (again && holderAlive(again)) throw lockedError(again, o.purpose === 'restore' ? 'restore' : 'this run');
    }
    // Stale: move it aside atomically, so of two runs taking it over only one removes it.
    const aside = `${path}.stale.${process.pid}.${round}`;
    try {
      renameSync(path, aside);
      rmSync(aside, { force: true });
      log.warn(
        existing
          ? `Took over the workspace lock of pid ${existing.pid} (started ${existing.startedAt}), which is no longer running.`
          : 'Took over an unreadable workspace lock left by a run that is no longer running.',
      );
    } catch {
      /* someone else moved it first: try again */
    }
  }
  const last = readLock(workspace);
  if (last) throw lockedError(last, 'this run');
  throw new SmokesError('locked', `Could not take the workspace lock ${path}.`, `Remove ${path} if no Smokes Fixer loop is running.`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The lock, where a loop has ever run (its `.smokes-fixer/` exists); null elsewhere, creating nothing. */
export function acquireLockIfUsed(workspace: string, o: { purpose?: string; log?: Logger } = {}): WorkspaceLock | null {
  if (!existsSync(join(workspace, '.smokes-fixer'))) return null;
  return acquireWorkspaceLock(workspace, o);
}
