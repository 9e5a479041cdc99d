import { createHash } from 'node:crypto';
import { applyPatch as applyHunks, parsePatch } from 'diff';
import { SmokesError } from '../../../src/core/errors';
import type { PatchSummary } from '../../../src/core/types';
import {
  planFileUndo,
  writesByFile,
  type Conflict,
  type FileState,
  type LoopWrite,
  type Snapshot,
  type UndoResult,
  type WorkingTree,
} from '../../../src/core/workingTree';

interface MemFile {
  content: string;
  mode: string;
}

/**
 * The working-tree interface in memory, for the attempt's unit tests: the same undo rule as the
 * snapshot store (`planFileUndo`), text files only, no disk.
 */
export class MemoryTree implements WorkingTree {
  readonly files = new Map<string, MemFile>();
  private readonly blobs = new Map<string, string>();
  private readonly snapshots = new Map<string, Map<string, MemFile>>();
  /** Called before each write of `apply`, so a test can play someone else editing at that moment. */
  onApply?: () => void;

  constructor(
    readonly workspace = '/memory-workspace',
    initial: Record<string, string> = {},
  ) {
    for (const [path, content] of Object.entries(initial)) this.files.set(path, { content, mode: '100644' });
  }

  read(path: string): string | undefined {
    return this.files.get(path)?.content;
  }

  write(path: string, content: string): void {
    this.files.set(path, { content, mode: this.files.get(path)?.mode ?? '100644' });
  }

  remove(path: string): void {
    this.files.delete(path);
  }

  contents(): Record<string, string> {
    return Object.fromEntries([...this.files.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, f]) => [p, f.content]));
  }

  async take(name: string): Promise<Snapshot> {
    const id = this.hash(`${name}:${this.snapshots.size}`);
    this.snapshots.set(id, new Map([...this.files].map(([p, f]) => [p, { ...f }])));
    return { name, commit: id, tree: id, createdAt: new Date(0).toISOString() };
  }

  async diffSince(): Promise<{ diff: string; files: Array<{ path: string; binary: boolean }> }> {
    throw new Error('not used by the attempt');
  }

  async restore(snapshot: Snapshot, paths?: string[]): Promise<{ written: string[]; removed: string[] }> {
    const snap = this.snapshots.get(snapshot.tree)!;
    const all = paths ?? [...new Set([...snap.keys(), ...this.files.keys()])];
    const written: string[] = [];
    const removed: string[] = [];
    for (const p of all) {
      const want = snap.get(p);
      if (!want && this.files.has(p)) {
        this.files.delete(p);
        removed.push(p);
      } else if (want && this.files.get(p)?.content !== want.content) {
        this.files.set(p, { ...want });
        written.push(p);
      }
    }
    return { written, removed };
  }

  async apply(patch: PatchSummary, o: { beforeWrite?: (writes: LoopWrite[]) => Promise<void> } = {}): Promise<LoopWrite[]> {
    const planned = new Map<string, string | null>();
    for (const f of parsePatch(patch.diff)) {
      const oldPath = f.oldFileName === '/dev/null' ? null : f.oldFileName!.replace(/^a\//, '');
      const newPath = f.newFileName === '/dev/null' ? null : f.newFileName!.replace(/^b\//, '');
      const source = oldPath ? this.files.get(oldPath)?.content : '';
      if (source === undefined) throw new SmokesError('patch-does-not-apply', `The patch does not apply to ${oldPath}: the file does not exist.`);
      const result = applyHunks(source, f);
      if (result === false) throw new SmokesError('patch-does-not-apply', `The patch does not apply to ${oldPath ?? newPath}.`);
      if (newPath === null) planned.set(oldPath!, null);
      else {
        if (oldPath && oldPath !== newPath) planned.set(oldPath, null);
        planned.set(newPath, result);
      }
    }
    const writes: LoopWrite[] = [...planned].map(([path, content]) => ({
      path,
      before: this.state(path),
      after: content === null ? null : { sha: this.hash(content), mode: this.files.get(path)?.mode ?? '100644' },
    }));
    for (const w of writes) if (w.before) this.blobs.set(w.before.sha, this.files.get(w.path)!.content);
    await o.beforeWrite?.(writes);
    this.onApply?.();
    for (const [path, content] of planned) {
      if (content === null) this.files.delete(path);
      else this.files.set(path, { content, mode: this.files.get(path)?.mode ?? '100644' });
    }
    return writes;
  }

  async undo(writes: LoopWrite[], conflictDir: string): Promise<UndoResult> {
    const restored: string[] = [];
    const conflicts: Conflict[] = [];
    for (const [path, list] of writesByFile(writes)) {
      const plan = planFileUndo(list, this.state(path));
      if (plan.restoreTo) {
        const s = plan.restoreTo.state;
        if (s === null) this.files.delete(path);
        else this.files.set(path, { content: this.blobs.get(s.sha)!, mode: s.mode });
        restored.push(path);
      }
      if (plan.conflict !== undefined) {
        const copy = `${conflictDir}/${path}`;
        this.files.set(copy, { content: plan.conflict === null ? '' : this.blobs.get(plan.conflict.sha)!, mode: '100644' });
        conflicts.push({ path, copy });
      }
    }
    return { restored: restored.sort(), conflicts };
  }

  async fingerprint(): Promise<string> {
    return this.hash(JSON.stringify(this.contents()));
  }

  private state(path: string): FileState {
    const f = this.files.get(path);
    return f ? { sha: this.hash(f.content), mode: f.mode } : null;
  }

  private hash(text: string): string {
    const sha = createHash('sha1').update(text).digest('hex');
    this.blobs.set(sha, text);
    return sha;
  }
}
