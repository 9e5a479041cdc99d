import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from '../integration/helpers/workspace';
import { isAlive } from '../integration/helpers/processes';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

let built = false;
/** The CLI as users run it: built once per test file. */
export function buildCli(): void {
  if (built) return;
  execFileSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'ignore' });
  built = true;
}

/** A git workspace in a temp folder holding exactly `files`, committed. */
export async function projectWith(files: Record<string, string | Buffer>, o: { git?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-rel-'));
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  if (o.git !== false) {
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'fixture');
  }
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  /** The last 200,000 characters of stderr. */
  stderr: string;
  stderrBytes: number;
  /** The largest resident set size of the CLI process seen while it ran, in bytes (0 off Linux). */
  peakRss: number;
}

/** Runs the built CLI without buffering its whole stderr, sampling its memory while it runs. */
export function runCli(args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number; stderrFile?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // stderr straight into a file when the run prints a lot: the kernel copies it, not this process.
    const stderrFd = o.stderrFile ? openSync(o.stderrFile, 'w') : null;
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ND_SMOKE: '', ...o.env },
      stdio: ['ignore', 'pipe', stderrFd ?? 'pipe'],
    });
    if (stderrFd !== null) closeSync(stderrFd);
    let stdout = '';
    let stderr = '';
    let stderrBytes = 0;
    let peakRss = 0;
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => {
      stderrBytes += d.length;
      stderr = (stderr + d.toString()).slice(-200_000);
    });
    const sample = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peakRss = Math.max(peakRss, kb * 1024);
      } catch {
        /* ended */
      }
    }, 100);
    // A guard for the test process only: a hang shows as a failed test, never as a stuck suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sample);
      clearTimeout(guard);
      if (o.stderrFile) {
        stderrBytes = statSync(o.stderrFile).size;
        const fd = openSync(o.stderrFile, 'r');
        const tail = Buffer.alloc(Math.min(stderrBytes, 200_000));
        readSync(fd, tail, 0, tail.length, Math.max(0, stderrBytes - tail.length));
        closeSync(fd);
        stderr = tail.toString('utf8');
      }
      resolve({ code, stdout, stderr, stderrBytes, peakRss });
    });
  });
}

export { isAlive };

/** Waits (bounded) until none of the pids is alive; returns the ones still alive. */
export async function survivors(pids: number[], waitMs = 5000): Promise<number[]> {
  const deadline = Date.now() + waitMs;
  let alive = pids.filter(isAlive);
  while (alive.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    alive = pids.filter(isAlive);
  }
  return alive;
}

export function readJsonLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
