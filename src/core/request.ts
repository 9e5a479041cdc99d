import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stripAnsi } from './processes';
import {
  LIMITS,
  MAX_REQUEST_OUTPUT,
  type CrashLocation,
  type Failure,
  type PatchRequest,
  type PytestRun,
} from './types';

/** Files larger than this are not read for context: a crash in generated or vendored data helps no one. */
const MAX_CONTEXT_FILE_BYTES = 4_000_000;

export interface BuildRequestOptions {
  workspace: string;
  attempt: number;
  failure: Failure;
  run: PytestRun;
  allowTestEdits: boolean;
  previousAttempts: PatchRequest['previousAttempts'];
  investigation: PatchRequest['investigation'];
}

/** The request one producer call receives: everything it needs to propose a patch for one signature. */
export async function buildPatchRequest(o: BuildRequestOptions): Promise<PatchRequest> {
  const { failure, run } = o;
  const codeContext = failure.location ? await codeContextAround(o.workspace, failure.location, LIMITS.contextLines) : null;
  const relatedSources = await relatedSourcesOf(o.workspace, failure);
  return {
    schema: 'smokes-fixer/patch-request@1',
    workspace: o.workspace,
    attempt: o.attempt,
    target: {
      nodeid: failure.nodeid,
      exceptionType: failure.exceptionType,
      location: failure.location ? { file: failure.location.file, line: failure.location.line } : null,
      message: failure.message,
      signature: failure.signature,
    },
    pytest: {
      command: run.command,
      exitCode: run.exitCode,
      output: tail(stripAnsi(run.output), MAX_REQUEST_OUTPUT),
    },
    codeContext,
    relatedSources,
    limits: { maxFiles: LIMITS.maxFiles, maxChangedLines: LIMITS.maxChangedLines },
    allowTestEdits: o.allowTestEdits,
    previousAttempts: o.previousAttempts,
    investigation: o.investigation,
    instructions: instructions(failure, o.allowTestEdits, o.previousAttempts.length > 0),
  };
}

function instructions(failure: Failure, allowTestEdits: boolean, hasPrevious: boolean): string {
  const tests = allowTestEdits
    ? 'Test files may be edited when the test itself is wrong, but turning failures into skips or xfails never counts as a fix.'
    : 'Do not edit the smoke tests or any conftest.py, and do not add skip, skipif, xfail or importorskip anywhere.';
  const previous = hasPrevious ? ' The earlier attempts listed in previousAttempts were not kept; propose something different.' : '';
  return (
    `Make ${failure.nodeid} pass by fixing the code it exercises. ` +
    'Answer with one unified git diff only (paths relative to the workspace, a/ and b/ prefixes), no prose, ' +
    `touching at most ${LIMITS.maxFiles} files and at most ${LIMITS.maxChangedLines} changed lines. ` +
    tests +
    previous
  );
}

/**
 * Up to `maxLines` lines of the workspace file at `location`, centred on the crash line. Null when the
 * file is outside the workspace (site-packages, the standard library), unreadable, binary or empty.
 * `text` holds the lines as they are in the file; `startLine` is the 1-based number of the first.
 */
export async function codeContextAround(
  workspace: string,
  location: CrashLocation,
  maxLines: number = LIMITS.contextLines,
): Promise<{ file: string; startLine: number; text: string } | null> {
  const resolved = await insideWorkspace(workspace, location.file);
  if (!resolved) return null;

  let content: Buffer;
  try {
    const stat = await fs.stat(resolved);
    if (!stat.isFile() || stat.size > MAX_CONTEXT_FILE_BYTES) return null;
    content = await fs.readFile(resolved);
  } catch {
    return null;
  }
  if (content.length === 0 || content.includes(0)) return null;

  const lines = content.toString('utf8').split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop(); // the final newline ends a line, it does not start one
  const count = Math.max(1, Math.min(maxLines, lines.length));
  const crash = Math.min(Math.max(1, location.line), lines.length);
  let start = crash - Math.floor((count - 1) / 2);
  start = Math.max(1, Math.min(start, lines.length - count + 1));
  return {
    file: path.relative(path.resolve(workspace), path.resolve(workspace, location.file)).split(path.sep).join('/'),
    startLine: start,
    text: lines.slice(start - 1, start - 1 + count).join('\n') + '\n',
  };
}

const MAX_RELATED_FILES = 5;
const MAX_RELATED_BYTES = 40_000;

/**
 * Whole first-party source files a producer needs to write a patch that applies: the workspace files the
 * failure's traceback runs through (the crash file first), then the workspace modules the failing test
 * file imports — an `assert` in a test names only the test's own line, never the code under test.
 * Files outside the workspace (site-packages, the standard library) are never included.
 */
export async function relatedSourcesOf(workspace: string, failure: Failure): Promise<Array<{ file: string; text: string }>> {
  const candidates: string[] = [];
  if (failure.location) candidates.push(failure.location.file);
  for (const m of (failure.longrepr ?? '').matchAll(/^(?:\s*File "([^"]+\.py)", line \d+|([^\s:][^:\n]*\.py):\d+:)/gm)) {
    candidates.push(m[1] ?? m[2]);
  }
  const testFile = failure.nodeid.split('::')[0];
  candidates.push(testFile);
  candidates.push(...(await importedModules(workspace, testFile)));

  const out: Array<{ file: string; text: string }> = [];
  const seen = new Set<string>();
  let bytes = 0;
  for (const candidate of candidates) {
    if (out.length >= MAX_RELATED_FILES) break;
    const resolved = await insideWorkspace(workspace, candidate);
    if (!resolved) continue;
    const rel = path.relative(await fs.realpath(workspace), resolved).split(path.sep).join('/');
    if (seen.has(rel) || /(^|\/)(site-packages|\.venv|venv|\.tox)\//.test(rel)) continue;
    seen.add(rel);
    let text: string;
    try {
      const content = await fs.readFile(resolved);
      if (content.includes(0) || content.length > MAX_CONTEXT_FILE_BYTES) continue;
      text = content.toString('utf8');
    } catch {
      continue;
    }
    if (bytes + text.length > MAX_RELATED_BYTES) continue;
    bytes += text.length;
    out.push({ file: rel, text });
  }
  return out;
}

/** Workspace files of the modules a Python file imports (`import a.b`, `from a.b import c`, `from . import d`). */
async function importedModules(workspace: string, file: string): Promise<string[]> {
  const resolved = await insideWorkspace(workspace, file);
  if (!resolved) return [];
  const source = await fs.readFile(resolved, 'utf8').catch(() => '');
  const dir = path.dirname(path.relative(workspace, resolved));
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(?:from\s+(\.*)([\w.]*)\s+import\s+([\w, ()]+)|import\s+([\w.]+))/gm)) {
    const dots = m[1] ?? '';
    const module = (m[2] || m[4] || '').split('.').filter(Boolean);
    const base = dots ? path.join(dir, ...Array.from({ length: Math.max(0, dots.length - 1) }, () => '..')) : '';
    const names = m[3] ? m[3].replace(/[()]/g, '').split(',').map((n) => n.trim().split(/\s+/)[0]).filter(Boolean) : [];
    const stems = [path.join(base, ...module)];
    for (const name of names) stems.push(path.join(base, ...module, name)); // `from pkg import module`
    for (const stem of stems) {
      if (!stem || stem === '.') continue;
      found.push(`${stem}.py`, path.join(stem, '__init__.py'));
    }
  }
  return found;
}

/** The absolute path of `file` when it (after symlinks) lies inside the workspace, else null. */
async function insideWorkspace(workspace: string, file: string): Promise<string | null> {
  if (!file) return null;
  // An absolute path resolves to itself: inside the workspace it is kept, site-packages is not.
  const candidate = path.resolve(workspace, file);
  if (!isWithin(path.resolve(workspace), candidate)) return null;
  try {
    const [realRoot, realFile] = await Promise.all([fs.realpath(workspace), fs.realpath(candidate)]);
    return isWithin(realRoot, realFile) ? realFile : null;
  } catch {
    return null;
  }
}

function isWithin(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : text.slice(text.length - max);
}
