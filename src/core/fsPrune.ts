import { rmdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';

/**
 * Removes `dir` and its parents up to (not including) `root` while they are empty: a file the loop
 * created and then took back leaves no folder behind, and a folder holding anything else stays.
 */
export async function pruneEmptyDirs(dir: string, root: string): Promise<void> {
  const stop = resolve(root);
  let current = resolve(dir);
  while (current !== stop && current.startsWith(stop + sep)) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty, or gone already
    }
    current = dirname(current);
  }
}
