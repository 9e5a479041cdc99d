import { access } from 'node:fs/promises';
import { SmokesError } from './errors';
import { runProcess, runShell, stripAnsi, throwIfAborted, type ProcessTracker } from './processes';
import type { FreshnessStatus, MetaInfo } from './types';

// The rule itself lives apart (no process code), so the VS Code adapter can ask it without the engine.
export { freshnessConfigured, isFreshnessConfigured } from './freshnessRule';

/**
 * Freshness of the exec-rpc service (loop step 2, PRODUCT.md 10): is the service that the smoke tests
 * talk to running the code that is in the workspace now?
 */

export const RESTART_COMMAND = 'make exec-rpc-restart && make exec-rpc-probe';

/** The port of the `/__meta` URL (the one `ss` looks for); the scheme's default when none is given. */
export function metaPort(url: string): number {
  const parsed = parseUrl(url);
  if (parsed.port) return Number(parsed.port);
  return parsed.protocol === 'https:' ? 443 : 80;
}

export async function probeFreshness(o: {
  url: string;
  timeoutMs: number;
  workspace: string;
  lastPatchAt: Date | null;
  signal?: AbortSignal;
}): Promise<FreshnessStatus> {
  throwIfAborted(o.signal);
  const checkedAt = new Date().toISOString();
  const [answer, headSha] = await Promise.all([getMeta(o.url, o.timeoutMs, o.signal), gitHead(o.workspace, o.signal)]);
  throwIfAborted(o.signal);

  const base = { url: o.url, headSha, checkedAt };
  if (answer.kind === 'down') {
    return { ...base, state: 'down', reasons: [answer.reason], meta: null, rawMeta: null };
  }

  const reasons: string[] = [];
  if (answer.status < 200 || answer.status > 299) reasons.push(`GET ${o.url} answered HTTP ${answer.status}`);
  const meta = parseMeta(answer.body);
  if (!meta) {
    reasons.push(`/__meta did not answer a JSON object: ${preview(answer.body)}`);
    return { ...base, state: 'stale', reasons, meta: null, rawMeta: answer.body };
  }

  for (const field of ['git_sha', 'started_at', 't_ms'] as const) {
    if (meta[field] === undefined || meta[field] === null || meta[field] === '') reasons.push(`/__meta lacks ${field}`);
  }
  if (meta.t_ms !== undefined && meta.t_ms !== null && typeof meta.t_ms !== 'number') {
    reasons.push(`/__meta t_ms is not a number: ${preview(JSON.stringify(meta.t_ms))}`);
  }

  const sha = typeof meta.git_sha === 'string' ? meta.git_sha.trim().toLowerCase() : null;
  if (meta.git_sha !== undefined && meta.git_sha !== null && typeof meta.git_sha !== 'string') {
    reasons.push(`/__meta git_sha is not a string: ${preview(JSON.stringify(meta.git_sha))}`);
  } else if (sha && headSha && !sameCommit(sha, headSha)) {
    reasons.push(`git_sha ${short(sha)} ≠ HEAD ${short(headSha)}: the service runs other code than the workspace`);
  }

  if (typeof meta.started_at === 'string' && meta.started_at !== '') {
    const started = Date.parse(meta.started_at);
    if (Number.isNaN(started)) {
      reasons.push(`/__meta started_at is not a date: ${preview(meta.started_at)}`);
    } else if (o.lastPatchAt && started < o.lastPatchAt.getTime()) {
      reasons.push(`started_at ${meta.started_at} is before the last patch (${o.lastPatchAt.toISOString()}): the service runs pre-patch code`);
    }
  } else if (meta.started_at !== undefined && meta.started_at !== null && meta.started_at !== '') {
    reasons.push(`/__meta started_at is not a string: ${preview(JSON.stringify(meta.started_at))}`);
  }

  return { ...base, state: reasons.length ? 'stale' : 'fresh', reasons, meta, rawMeta: answer.body };
}

/** Runs the spec's `make exec-rpc-restart && make exec-rpc-probe`; ok only when it exits 0 and the probe printed `"t_ms"`. */
export async function restartAndProbe(o: {
  workspace: string;
  signal?: AbortSignal;
  tracker?: ProcessTracker;
  onOutput?: (t: string) => void;
  timeoutMs?: number;
  /** Environment for make (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** The meta URL that will be probed: make gets its port as EXEC_RPC_PORT, so the service starts there. */
  metaUrl?: string;
}): Promise<{ ok: boolean; command: string; output: string; exitCode: number | null; problem: string | null }> {
  throwIfAborted(o.signal);
  const env = o.metaUrl ? { ...(o.env ?? process.env), EXEC_RPC_PORT: String(metaPort(o.metaUrl)) } : o.env;
  let output = '';
  const take = (text: string) => {
    output += text;
    o.onOutput?.(text);
  };
  const result = await runShell(RESTART_COMMAND, {
    cwd: o.workspace,
    env,
    signal: o.signal,
    tracker: o.tracker,
    timeoutMs: o.timeoutMs ?? 120_000,
    onStdout: take,
    onStderr: take,
  });
  if (result.cancelled) throwIfAborted(o.signal);
  if (result.spawnError) {
    throw new SmokesError('freshness', `Could not run \`${RESTART_COMMAND}\`: ${result.spawnError}`, 'Check that /bin/sh and make are installed.');
  }
  if (result.timedOut) output += `\n(${RESTART_COMMAND} was ended after ${Math.round((o.timeoutMs ?? 120_000) / 1000)}s)\n`;
  output = stripAnsi(output);
  const ok = result.exitCode === 0 && output.includes('"t_ms"');
  return { ok, command: RESTART_COMMAND, output, exitCode: result.exitCode, problem: ok ? null : restartProblem(result.exitCode, output, result.timedOut) };
}

/** Why the restart did not make the service fresh, in a sentence a person can act on. */
function restartProblem(exitCode: number | null, output: string, timedOut: boolean): string {
  if (timedOut) return `\`${RESTART_COMMAND}\` did not finish in time and was ended.`;
  // The shell's "command not found" (127) for make itself.
  if (exitCode === 127 && /\bmake\b[^\n]*not found|not found[^\n]*\bmake\b/i.test(output)) return 'make was not found on PATH: install make, or start the service yourself.';
  const last = output.trim().split('\n').filter(Boolean).pop();
  if (exitCode !== 0) return `\`${RESTART_COMMAND}\` exited with code ${exitCode ?? 'none'}${last ? `: ${last.slice(0, 300)}` : ''}.`;
  return `The probe did not print "t_ms"${last ? ` (its last line: ${last.slice(0, 300)})` : ''}.`;
}

/**
 * The bundle's `exec_rpc_freshness`: what `curl -s <host:port>/__meta` and `ss -lntp | grep ':<port> '`
 * print. null when the tool is not installed, fails, or prints nothing.
 */
export async function collectFreshnessOutputs(o: {
  url: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<{ meta: string | null; ss: string | null; metaCommand: string; ssCommand: string }> {
  const parsed = parseUrl(o.url);
  const port = metaPort(o.url);
  // The spec writes `curl -s 127.0.0.1:8790/__meta`: no scheme for plain http.
  const target = parsed.protocol === 'http:' ? `${parsed.hostname}:${port}${parsed.pathname}${parsed.search}` : parsed.toString();
  const metaCommand = `curl -s ${shellQuote(target)}`;
  const ssCommand = `ss -lntp | grep ':${port} '`;
  const timeoutMs = o.timeoutMs ?? 5000;
  const [meta, ss] = await Promise.all([
    toolOutput('curl', metaCommand, timeoutMs, o.signal),
    toolOutput('ss', ssCommand, timeoutMs, o.signal),
  ]);
  return { meta, ss, metaCommand, ssCommand };
}

// ---------------------------------------------------------------------------------------------

type MetaAnswer = { kind: 'answer'; status: number; body: string } | { kind: 'down'; reason: string };

async function getMeta(url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<MetaAnswer> {
  parseUrl(url);
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  try {
    const response = await fetch(url, { signal: combined, headers: { accept: 'application/json' }, redirect: 'follow' });
    const body = await readCapped(response, META_BODY_LIMIT);
    return { kind: 'answer', status: response.status, body };
  } catch (error) {
    throwIfAborted(signal);
    if (timeout.aborted) return { kind: 'down', reason: `GET ${url} did not answer within ${timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    return { kind: 'down', reason: `nothing answered at ${url} (${why})` };
  }
}

/** A /__meta answer is a few hundred bytes; a service streaming more is not read further. */
const META_BODY_LIMIT = 64 * 1024;

async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
    if (done || !value) break;
    chunks.push(value);
    size += value.length;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function parseMeta(body: string): MetaInfo | null {
  try {
    const value = JSON.parse(body) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as MetaInfo) : null;
  } catch {
    return null;
  }
}

async function gitHead(workspace: string, signal: AbortSignal | undefined): Promise<string | null> {
  const result = await runProcess('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: workspace, signal, timeoutMs: 10_000 });
  const sha = result.stdout.trim().toLowerCase();
  return result.exitCode === 0 && /^[0-9a-f]{7,64}$/.test(sha) ? sha : null;
}

/** A short sha names the same commit when it is a prefix of the full one. */
function sameCommit(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

function short(sha: string): string {
  return sha.length > 12 ? sha.slice(0, 12) : sha;
}

function preview(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  if (one === '') return '(empty body)';
  return one.length > 120 ? `${one.slice(0, 117)}...` : one;
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new SmokesError('config', `The meta URL "${url}" is not a URL.`, 'Set metaUrl to something like http://127.0.0.1:8790/__meta.');
  }
}

async function toolOutput(tool: string, commandLine: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<string | null> {
  if (!(await hasTool(tool, signal))) return null;
  const result = await runShell(commandLine, { cwd: process.cwd(), timeoutMs, signal });
  if (result.cancelled) throwIfAborted(signal);
  if (result.exitCode !== 0 || result.timedOut) return null;
  const text = result.stdout.replace(/\s+$/, '');
  return text === '' ? null : text;
}

async function hasTool(tool: string, signal: AbortSignal | undefined): Promise<boolean> {
  const result = await runShell(`command -v ${tool}`, { cwd: process.cwd(), timeoutMs: 5000, signal });
  if (result.exitCode !== 0) return false;
  const path = result.stdout.trim();
  if (!path.startsWith('/')) return true; // a builtin or alias
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
