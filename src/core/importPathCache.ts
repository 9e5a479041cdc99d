// Facts about an interpreter that change only when its import path changes (what `pip freeze` lists,
// whether pytest imports), kept between runs in the user's cache folder, never the workspace. Installing,
// upgrading or removing a distribution rewrites its site-packages folder (a new `*.dist-info`), which
// changes the folder's modification time, so a stale fact is never reused; a hit costs a few `stat` calls
// instead of starting Python.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Python that prints, as JSON, the interpreter's real path and its import path (cwd excepted). */
export const SYS_PATH_EXPR = '[os.path.realpath(sys.executable)] + [p for p in sys.path if p and p != os.getcwd()]';

interface Entry<T> {
  /** The interpreter and its import path. */
  paths: string[];
  /** Modification stamps of those paths when the fact was read. */
  stamp: string;
  value: T;
}

/** `~/.cache/smokes-fixer/<kind>` (or under $XDG_CACHE_HOME). */
export function importPathCacheDir(kind: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'smokes-fixer', kind);
}

/** The cache file of one interpreter as run in one workspace with this process's PYTHONPATH and VIRTUAL_ENV. */
export function cacheFileFor(dir: string, python: string, workspace: string): string {
  const key = JSON.stringify([python, workspace, process.env.PYTHONPATH ?? '', process.env.VIRTUAL_ENV ?? '']);
  return join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

/** The cached value, when every path still has the stamp it had; else null. */
export async function readCached<T>(file: string): Promise<T | null> {
  const entry = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as Entry<T>)
    .catch(() => null);
  if (!entry || !Array.isArray(entry.paths) || !('value' in entry)) return null;
  return (await stampOf(entry.paths)) === entry.stamp ? entry.value : null;
}

/** Keeps `value` for the interpreter whose import path is `paths` (as printed by SYS_PATH_EXPR). */
export async function writeCached<T>(file: string, paths: unknown, value: T): Promise<void> {
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) return;
  try {
    const entry: Entry<T> = { paths, stamp: await stampOf(paths), value };
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
