import { execa } from 'execa';
import { SmokesError } from './errors';

/**
 * Every process the loop starts is registered here, in its own process group, so the time budget and
 * cancellation can end it together with its children (a test that forks a server, a shell pipeline).
 */
export class ProcessTracker {
  private readonly live = new Set<number>();

  add(pid: number | undefined): void {
    if (pid) this.live.add(pid);
  }

  remove(pid: number | undefined): void {
    if (pid) this.live.delete(pid);
  }

  get size(): number {
    return this.live.size;
  }

  /** Ends every registered process group: SIGTERM, then SIGKILL after `graceMs`. */
  async killAll(graceMs = 2000): Promise<void> {
    const pids = [...this.live];
    for (const pid of pids) signalGroup(pid, 'SIGTERM');
    if (pids.length === 0) return;
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && pids.some(isGroupAlive)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const pid of pids) signalGroup(pid, 'SIGKILL');
    for (const pid of pids) this.live.delete(pid);
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
  let stdout = '';
  let stderr = '';
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
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
  options.tracker?.add(child.pid);

  let timedOut = false;
  let cancelled = false;
  const kill = (why: 'timeout' | 'cancel') => {
    if (why === 'timeout') timedOut = true;
    else cancelled = true;
    if (child.pid) {
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), 1500).unref();
    }
  };
  const timer = options.timeoutMs ? setTimeout(() => kill('timeout'), options.timeoutMs) : undefined;
  const onAbort = () => kill('cancel');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  child.stdout?.on('data', (chunk: Buffer | string) => {
    const text = chunk.toString();
    stdout = (stdout + text).slice(-max);
    options.onStdout?.(text);
  });
  child.stderr?.on('data', (chunk: Buffer | string) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-max);
    options.onStderr?.(text);
  });

  try {
    const result = await child;
    const spawnFailed = result.failed && result.exitCode === undefined && !result.signal && !timedOut && !cancelled;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      stdout,
      stderr,
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

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason = signal.reason;
    if (reason instanceof SmokesError) throw reason;
    throw new SmokesError('cancelled', 'The run was cancelled.');
  }
}

/** Removes ANSI colour and cursor codes. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}

/** Rejects as soon as the signal aborts, even when the wrapped promise never settles. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
