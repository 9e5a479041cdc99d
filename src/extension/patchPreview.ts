import { applyPatch, parsePatch } from 'diff';

export interface PreviewFile {
  /** Path relative to the workspace, `/` separators. */
  path: string;
  status: 'modified' | 'created' | 'deleted' | 'renamed';
  /** Original path for renames. */
  oldPath: string | null;
  before: string;
  /** Content after the patch; null when the hunk does not apply to what is on disk. */
  after: string | null;
}

function clean(name: string | undefined): string | null {
  if (!name || name === '/dev/null') return null;
  return name.replace(/^[ab]\//, '').replace(/\t.*$/, '');
}

/**
 * What each file would look like after the patch, computed in memory from the unified diff and the
 * files' current contents; nothing touches the disk.
 */
export async function previewPatch(diffText: string, read: (path: string) => Promise<string | null>): Promise<PreviewFile[]> {
  const files: PreviewFile[] = [];
  for (const p of parsePatch(diffText)) {
    const oldPath = clean(p.oldFileName);
    const newPath = clean(p.newFileName);
    const path = newPath ?? oldPath;
    if (!path) continue;
    const status = !oldPath ? 'created' : !newPath ? 'deleted' : oldPath !== newPath ? 'renamed' : 'modified';
    const before = oldPath ? ((await read(oldPath)) ?? '') : '';
    const applied = p.hunks.length === 0 ? before : applyPatch(before, p);
    files.push({ path, status, oldPath: status === 'renamed' ? oldPath : null, before, after: applied === false ? null : status === 'deleted' ? '' : applied });
  }
  return files;
}
