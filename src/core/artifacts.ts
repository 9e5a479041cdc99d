import { access, appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { SmokesError } from './errors';
import { serializeBundle, type EscalationBundle } from './bundle';
import { runProcess, throwIfAborted } from './processes';
import { silentLogger, type Logger } from './types';
import { SYS_PATH_EXPR, cacheFileFor, importPathCacheDir, readCached, writeCached } from './importPathCache';

/** The artifacts the spec lists in the bundle, relative to the workspace, in the spec's order. */
export const SPEC_ARTIFACTS = ['artifacts/smoke.html', 'artifacts/smoke.xml', 'requirements.snapshot.txt'] as const;

export const REQUIREMENTS_SNAPSHOT = 'requirements.snapshot.txt';
export const BUNDLE_FILE = 'artifacts/escalation.json';

/**
 * `python -m pip freeze` of the interpreter that ran pytest, into `requirements.snapshot.txt`. Returns
 * the relative path, or null when pip is not available there; then no snapshot file is left behind (an
 * older one would describe some other interpreter). `freeze` is a freeze started earlier (the loop starts
 * it beside the baseline run, so the end of a run does not wait for pip).
 */
export async function writeRequirementsSnapshot(o: {
  python: string;
  workspace: string;
  signal?: AbortSignal;
  freeze?: Promise<string | null>;
  cacheDir?: string;
}): Promise<string | null> {
  throwIfAborted(o.signal);
  const text = await (o.freeze ?? freezeRequirements(o));
  throwIfAborted(o.signal);
  const target = join(o.workspace, REQUIREMENTS_SNAPSHOT);
  if (text === null) {
    await rm(target, { force: true });
    return null;
  }
  await writeAtomically(target, text);
  return REQUIREMENTS_SNAPSHOT;
}

/** Where frozen requirements are kept between runs: the user's cache folder, never the workspace. */
export function freezeCacheDir(): string {
  return importPathCacheDir('freeze');
}

const SYS_PATH_SCRIPT = `import json, os, sys; print(json.dumps(${SYS_PATH_EXPR}))`;

/**
 * The text of `pip freeze`, or null without pip. Cached per interpreter and the state of its import path
 * (importPathCache.ts): a hit costs a few `stat` calls instead of pip's ~0.5 s.
 */
export async function freezeRequirements(o: { python: string; workspace: string; signal?: AbortSignal; cacheDir?: string }): Promise<string | null> {
  throwIfAborted(o.signal);
  const cacheFile = cacheFileFor(o.cacheDir ?? freezeCacheDir(), o.python, o.workspace);
  const cached = await readCached<string>(cacheFile);
  if (typeof cached === 'string') return cached;

  const env = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONIOENCODING: 'utf-8' };
  const [result, pathsRun] = await Promise.all([
    runProcess(o.python, ['-m', 'pip', 'freeze'], { cwd: o.workspace, env, signal: o.signal, timeoutMs: 60_000 }),
    runProcess(o.python, ['-c', SYS_PATH_SCRIPT], { cwd: o.workspace, env, signal: o.signal, timeoutMs: 30_000 }),
  ]);
  if (result.cancelled || pathsRun.cancelled) throwIfAborted(o.signal);
  if (result.exitCode !== 0 || result.spawnError || result.timedOut) return null;
  if (pathsRun.exitCode === 0) {
    try {
      await writeCached(cacheFile, JSON.parse(pathsRun.stdout.trim().split('\n').pop() ?? ''), result.stdout, o);
    } catch {
      // Not the import path: no cache entry, the freeze itself is still right.
    }
  }
  return result.stdout;
}

/** Writes the escalation bundle, validated and in the spec's field order, to `artifacts/escalation.json`. */
export async function writeBundleFile(workspace: string, bundle: EscalationBundle): Promise<string> {
  await writeAtomically(join(workspace, BUNDLE_FILE), serializeBundle(bundle));
  return BUNDLE_FILE;
}

/** The spec's artifact paths that exist in the workspace, in the spec's order. */
export async function artifactList(workspace: string): Promise<string[]> {
  const present = await Promise.all(
    SPEC_ARTIFACTS.map(async (path) => {
      try {
        await access(join(workspace, path));
        return path;
      } catch {
        return null;
      }
    }),
  );
  return present.filter((p): p is (typeof SPEC_ARTIFACTS)[number] => p !== null);
}

/** Write-then-rename, so a reader never sees half a file (the extension watches these). */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, content, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw artifactWriteError(path, error);
  }
}

/**
 * An artifact that cannot be written, as a clear error: a full disk, a read-only folder, `artifacts` that
 * is a file or a dangling link. Other errors pass through.
 */
export function artifactWriteError(path: string, error: unknown): unknown {
  if (error instanceof SmokesError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'a file stands where the folder should be',
    ENOENT: 'a part of the path is missing (a dangling symbolic link?)',
    ELOOP: 'a symbolic link loops',
  };
  if (!code || !why[code]) return error;
  return new SmokesError(
    'artifacts',
    `Cannot write ${path}: ${why[code]} (${code}).`,
    'Make the artifacts folder of the workspace a writable folder with free space, then run again; any patch the loop had applied was taken back.',
    { cause: error },
  );
}

/**
 * Before the loop touches anything: the artifacts folder exists (or can be made) and takes a write. A run
 * that could not record its results must not start.
 */
export async function ensureArtifactsWritable(workspace: string): Promise<void> {
  const dir = join(workspace, 'artifacts');
  const probe = join(dir, `.write-check.${process.pid}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'ok\n');
  } catch (error) {
    throw artifactWriteError(dir, error);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/**
 * One run's result files in `artifacts/` (PRODUCT.md 21). Only these move: the folder may hold files of
 * the user's own, which the product never touches.
 */
export const RUN_RESULT_FILES = [
  'escalation.json',
  'summary.json',
  'smoke.xml',
  'smoke.records.jsonl',
  'smoke.html',
  'run-log.jsonl',
  'pytest-output.txt',
] as const;

export const PREVIOUS_DIR = 'artifacts/previous';

/**
 * At the start of a run: the previous run's result files move to `artifacts/previous/` (whatever was
 * there before is dropped: one generation), so `artifacts/` holds the current run only. Returns the
 * names moved.
 */
export async function rotateArtifacts(workspace: string): Promise<string[]> {
  const dir = join(workspace, 'artifacts');
  const present: string[] = [];
  for (const name of RUN_RESULT_FILES) {
    if (await access(join(dir, name)).then(() => true, () => false)) present.push(name);
  }
  if (present.length === 0) return [];
  const previous = join(workspace, PREVIOUS_DIR);
  await rm(previous, { recursive: true, force: true });
  await mkdir(previous, { recursive: true });
  for (const name of present) await rename(join(dir, name), join(previous, name));
  return present;
}

/** The product's own files, kept out of `git status` through the clone's `.git/info/exclude`. */
export const EXCLUDED_OWN_FILES = ['artifacts/', 'requirements.snapshot.txt', '.smokes-fixer/'] as const;
const EXCLUDE_HEADER = '# Smokes Fixer: its own files in this clone (local, never committed)';

/**
 * Adds `artifacts/`, `requirements.snapshot.txt` and `.smokes-fixer/` of this workspace to the clone's
 * `info/exclude` (PRODUCT.md 21): local to the clone, never a committed file. Anchored to the workspace
 * folder, so a folder of the same name elsewhere in the repository is not hidden. Works in linked
 * worktrees and with a `.git` file; does nothing outside a git repository. Returns the lines added.
 */
export async function excludeOwnFiles(workspace: string, signal?: AbortSignal): Promise<string[]> {
  const r = await runProcess('git', ['rev-parse', '--path-format=absolute', '--git-path', 'info/exclude', '--show-prefix'], {
    cwd: workspace,
    env: { GIT_OPTIONAL_LOCKS: '0' },
    signal,
    timeoutMs: 30_000,
  });
  if (r.exitCode !== 0) return []; // not a repository (or no git): nothing to add to
  const [excludePathRaw, prefixRaw = ''] = r.stdout.split('\n');
  const excludePath = isAbsolute(excludePathRaw.trim()) ? excludePathRaw.trim() : resolve(workspace, excludePathRaw.trim());
  const prefix = prefixRaw.trim();
  const wanted = EXCLUDED_OWN_FILES.map((f) => `/${prefix}${f}`);
  const existing = await readFile(excludePath, 'utf8').catch(() => '');
  const lines = new Set(existing.split(/\r?\n/).map((l) => l.trim()));
  const missing = wanted.filter((w) => !lines.has(w));
  if (missing.length === 0) return [];
  await mkdir(dirname(excludePath), { recursive: true });
  const lead = existing === '' || existing.endsWith('\n') ? '' : '\n';
  const header = lines.has(EXCLUDE_HEADER) ? [] : [EXCLUDE_HEADER];
  await appendFile(excludePath, lead + [...header, ...missing].join('\n') + '\n');
  return missing;
}

/**
 * What a run does to its files before anything else (PRODUCT.md 21), under the workspace lock: the
 * previous run's results to `artifacts/previous/`, the product's files into `.git/info/exclude`.
 */
export async function beginRunArtifacts(workspace: string, o: { log?: Logger; signal?: AbortSignal } = {}): Promise<void> {
  const log = o.log ?? silentLogger;
  const moved = await rotateArtifacts(workspace);
  if (moved.length > 0) log.info(`The previous run's results moved to ${PREVIOUS_DIR}/: ${moved.join(', ')}.`);
  try {
    const added = await excludeOwnFiles(workspace, o.signal);
    if (added.length > 0) log.info(`Added to the clone's .git/info/exclude: ${added.join(', ')}.`);
  } catch (error) {
    log.warn(`Could not add Smokes Fixer's files to .git/info/exclude: ${(error as Error).message}`);
  }
}
