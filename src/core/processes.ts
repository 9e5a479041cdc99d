import { execa } from 'execa';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { TextTail } from './textTail';

// Kept here for the engine's callers; they live apart so code without child processes (the extension's
// adapter) can use them without loading execa.
export { asError, throwIfAborted, untilAborted } from './abort';

/**
 * Every process started here carries this variable with a value of its own, and so do all its descendants
 * unless they clear their environment. A descendant that left the process group (`setsid`, a daemon, a
 * test's `start_new_session=True`) is still found by it when the process must end (Linux: /proc).
 */
export const PROCESS_MARKER = 'SMOKES_FIXER_PROCESS';

/** The processes (other than this one) whose environment carries the marker value. */
export function markedPids(marker: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${PROCESS_MARKER}=${marker}\0`);
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`).includes(needle)) found.push(Number(name));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

function signalMarked(marker: string | undefined, signal: NodeJS.Signals): void {
  if (!marker) return;
  for (const pid of markedPids(marker)) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM to every marked process, SIGKILL to those still there after `graceMs`. */
export async function endMarked(marker: string, graceMs = 1000): Promise<void> {
  if (markedPids(marker).length === 0) return;
  signalMarked(marker, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && markedPids(marker).some(isAliveNotZombie)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  signalMarked(marker, 'SIGKILL');
}

function isAliveNotZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Every process the loop starts is registered here, in its own process group, so the time budget and
 * cancellation can end it together with its children (a test that forks a server, a shell pipeline).
 */
export class ProcessTracker {
  /** pid → its marker value (see PROCESS_MARKER), when it has one. */
  private readonly live = new Map<number, string | undefined>();

  add(pid: number | undefined, marker?: string): void {
    if (pid) this.live.set(pid, marker);
  }

  remove(pid: number | undefined): void {
    if (pid) this.live.delete(pid);
  }

  get size(): number {
    return this.live.size;
  }

  /** Ends every registered process group: SIGTERM, then SIGKILL after `graceMs`. */
  async killAll(graceMs = 2000): Promise<void> {
    const entries = [...this.live];
    if (entries.length === 0) return;
    for (const [pid, marker] of entries) {
      signalGroup(pid, 'SIGTERM');
      signalMarked(marker, 'SIGTERM');
    }
    const deadline = Date.now() + graceMs;
    const anyAlive = () => entries.some(([pid, marker]) => isGroupAlive(pid) || (marker !== undefined && markedPids(marker).some(isAliveNotZombie)));
    while (Date.now() < deadline && anyAlive()) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const [pid, marker] of entries) {
      signalGroup(pid, 'SIGKILL');
      signalMarked(marker, 'SIGKILL');
    }
    for (const [pid] of entries) this.live.delete(pid);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function isGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface RunProcessOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Replace the environment instead of extending process.env (used to drop an inherited ND_SMOKE). */
  extendEnv?: boolean;
  input?: string;
  signal?: AbortSignal;
  tracker?: ProcessTracker;
  /** Kill the process group after this many milliseconds. */
  timeoutMs?: number;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Keep at most this many characters of each stream (the tail). */
  maxBuffer?: number;
  /**
   * Asked after each chunk of output is handed on: a promise while whoever shows the output is behind
   * (a terminal on a slow pipe). The streams are not read until it settles, so the process waits on its
   * own writes, as it would in that terminal, instead of its output piling up in memory. Ignored once
   * the process is being ended.
   */
  readPause?: () => Promise<void> | null;
  /**
   * When the process exits, end every descendant still running (found by its marker, even outside the
   * process group): a test run or a producer leaves nothing behind. Not for commands whose job is to
   * start a service (`make exec-rpc-restart`).
   */
  endDescendantsOnExit?: boolean;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  /** The executable could not be started at all (ENOENT, EACCES). */
  spawnError: string | null;
  durationMs: number;
}

/**
 * Runs one command without a shell unless `file` is 'sh' (callers decide). Never throws for a non-zero
 * exit: the caller reads the exit code as the tool means it.
 */
export async function runProcess(file: string, args: string[], options: RunProcessOptions): Promise<ProcessResult> {
  const started = Date.now();
  const max = options.maxBuffer ?? 1_000_000;
  const stdout = new TextTail(max);
  const stderr = new TextTail(max);
  const marker = `${process.pid}-${randomUUID()}`;
  const child = execa(file, args, {
    cwd: options.cwd,
    env: { ...(options.env ?? {}), [PROCESS_MARKER]: marker },
    extendEnv: options.extendEnv ?? true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    reject: false,
    detached: true, // own process group, so the whole tree can be ended
    cleanup: true,
    buffer: false,
    stripFinalNewline: false,
    encoding: 'utf8',
  });
  options.tracker?.add(child.pid, marker);

  // A descendant holding stdout open keeps the streams from ending: end descendants as soon as the
  // process itself has exited, so the result does not wait on them.
  let swept: Promise<void> = Promise.resolve();
  if (options.endDescendantsOnExit) {
    child.on('exit', () => {
      swept = endMarked(marker, 1000);
    });
  }

  let timedOut = false;
  let cancelled = false;
  let paused = false;
  const resume = () => {
    paused = false;
    child.stdout?.resume();
    child.stderr?.resume();
  };
  const maybePause = () => {
    if (paused || timedOut || cancelled || !options.readPause) return;
    const wait = options.readPause();
    if (!wait) return;
    paused = true;
    child.stdout?.pause();
    child.stderr?.pause();
    wait.then(resume, resume);
  };
  const kill = (why: 'timeout' | 'cancel') => {
    if (why === 'timeout') timedOut = true;
    else cancelled = true;
    if (paused) resume();
    if (child.pid) {
      signalGroup(child.pid, 'SIGTERM');
      signalMarked(marker, 'SIGTERM');
      setTimeout(() => {
        if (child.pid) signalGroup(child.pid, 'SIGKILL');
        signalMarked(marker, 'SIGKILL');
      }, 1500).unref();
    }
  };
  const timer = options.timeoutMs ? setTimeout(() => kill('timeout'), options.timeoutMs) : undefined;
  const onAbort = () => kill('cancel');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  child.stdout?.on('data', (chunk: Buffer | string) => {
    const text = chunk.toString();
    stdout.push(text);
    options.onStdout?.(text);
    maybePause();
  });
  child.stderr?.on('data', (chunk: Buffer | string) => {
    const text = chunk.toString();
    stderr.push(text);
    options.onStderr?.(text);
    maybePause();
  });

  try {
    const result = await child;
    await swept;
    const spawnFailed = result.failed && result.exitCode === undefined && !result.signal && !timedOut && !cancelled;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut,
      cancelled,
      spawnError: spawnFailed ? (result.originalMessage || result.shortMessage || 'could not start') : null,
      durationMs: Date.now() - started,
    };
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    options.tracker?.remove(child.pid);
  }
}

/** Runs a shell command line (`make a && make b`) with the same guarantees. */
export function runShell(commandLine: string, options: RunProcessOptions): Promise<ProcessResult> {
  return runProcess('/bin/sh', ['-c', commandLine], options);
}

/** Removes ANSI colour and cursor codes. */
export function stripAnsi(text: string): string {
  if (!text.includes('\u001b')) return text;
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}
