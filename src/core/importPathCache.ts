// Facts about an interpreter that change only when its import path changes (what `pip freeze` lists,
// whether pytest imports), kept between runs in the user's cache folder, never the workspace. Installing,
// upgrading or removing a distribution rewrites its site-packages folder (a new `*.dist-info`), which
// changes the folder's modification time, so a stale fact is never reused; a hit costs a few `stat` calls
// instead of starting Python.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

/** Python that prints, as JSON, the interpreter's real path and its import path (cwd excepted). */
export const SYS_PATH_EXPR = '[os.path.realpath(sys.executable)] + [p for p in sys.path if p and p != os.getcwd()]';

interface Entry<T> {
  /** The interpreter and its import path. */
  paths: string[];
  /** Modification stamps of those paths when the fact was read. */
  stamp: string;
  value: T;
}

/** The kind under which detectPytest keeps a pytest it found. */
export const PYTEST_CACHE = 'pytest';

/**
 * Whether `python`, run in `workspace`, started and imported pytest last time and nothing it depends on
 * has changed since (its executable, import path, version files, environment): then it needs no probe.
 */
export async function startedBefore(python: string, workspace: string, cacheDir = importPathCacheDir(PYTEST_CACHE)): Promise<boolean> {
  return (await pytestFoundBefore(python, workspace, cacheDir)) !== null;
}

/** detectPytest's remembered answer when it found pytest and it still holds; else null. */
export async function pytestFoundBefore<T extends { ok: boolean; version: string | null }>(
  python: string,
  workspace: string,
  cacheDir = importPathCacheDir(PYTEST_CACHE),
): Promise<T | null> {
  const cached = await readCached<T>(cacheFileFor(cacheDir, python, workspace));
  return cached?.ok === true && typeof cached.version === 'string' ? cached : null;
}

/** `~/.cache/smokes-fixer/<kind>` (or under $XDG_CACHE_HOME). */
export function importPathCacheDir(kind: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'smokes-fixer', kind);
}

/** Variables that change which interpreter a name such as `python3` starts, or what it imports. */
const KEY_ENV = ['PATH', 'PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'PYENV_VERSION', 'PYENV_ROOT', 'ASDF_PYTHON_VERSION', 'MISE_PYTHON_VERSION'] as const;

/** The cache file of one interpreter as run in one workspace with this process's environment (KEY_ENV). */
export function cacheFileFor(dir: string, python: string, workspace: string): string {
  const key = JSON.stringify([python, workspace, ...KEY_ENV.map((name) => process.env[name] ?? '')]);
  return join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

/** Files a version manager's shim (pyenv, asdf, mise) reads to pick the interpreter behind `python3`. */
const VERSION_FILES = ['.python-version', '.tool-versions', 'mise.toml', '.mise.toml'];

/**
 * The version files that could apply to `workspace` (in it and every folder above it), and pyenv's global
 * one. Stamped as missing until they exist: creating one (`pyenv local 3.12`) makes every entry stale.
 */
export function versionFiles(workspace: string): string[] {
  const files: string[] = [];
  for (let dir = resolve(workspace); ; dir = dirname(dir)) {
    for (const name of VERSION_FILES) files.push(join(dir, name));
    if (dirname(dir) === dir) break;
  }
  files.push(join(process.env.PYENV_ROOT || join(homedir(), '.pyenv'), 'version'));
  return files;
}

/** The cached value, when every path still has the stamp it had; else null. */
export async function readCached<T>(file: string): Promise<T | null> {
  const entry = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as Entry<T>)
    .catch(() => null);
  if (!entry || !Array.isArray(entry.paths) || !('value' in entry)) return null;
  return (await stampOf(entry.paths)) === entry.stamp ? entry.value : null;
}

/**
 * The file `python` names: a path as given (relative to the workspace), or for a bare name the first
 * match on PATH and every place before it where one could appear later and be found first. The real
 * executable is in the import path already; this is the launcher (a venv link, a pyenv shim, a wrapper).
 */
export function launcherFiles(python: string, workspace: string): string[] {
  if (python.includes('/') || isAbsolute(python)) return [resolve(workspace, python)];
  const files: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(resolve(workspace, dir), python);
    files.push(candidate);
    if (existsSync(candidate)) break;
  }
  return files;
}

/**
 * Keeps `value` for the interpreter `python` whose import path is `paths` (as printed by SYS_PATH_EXPR),
 * as run in `workspace`: its launcher and the version files are stamped with the import path.
 */
export async function writeCached<T>(file: string, paths: unknown, value: T, run: { python: string; workspace: string }): Promise<void> {
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) return;
  try {
    const all = [...paths, ...launcherFiles(run.python, run.workspace), ...versionFiles(run.workspace)];
    const entry: Entry<T> = { paths: all, stamp: await stampOf(all), value };
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, file);
  } catch {
    // The cache only saves time: a run without it is still right.
  }
}

async function stampOf(paths: string[]): Promise<string> {
  const stamps = await Promise.all(
    paths.map((p) =>
      stat(p).then(
        (st) => `${st.ino}:${st.mtimeMs}:${st.size}`,
        () => 'missing',
      ),
    ),
  );
  return stamps.join('|');
}
