// The one interface the engine and the producers use to look at and change the workspace's files:
// take a snapshot, diff since it, apply a patch, restore. `SnapshotStore` implements it on git; the
// attempt's unit tests use an in-memory one.
//
// PRODUCT.md 26: the loop undoes exactly what it wrote. Every file a patch writes is recorded as a
// `LoopWrite` (what the file was just before, what the patch made it); undoing walks those records
// back and never touches a file the loop did not write, nor overwrites one someone else changed since.

import type { PatchSummary } from './types';

export interface Snapshot {
  name: string;
  commit: string;
  tree: string;
  createdAt: string;
}

/** A file's state as git sees it: blob id and mode (`100644`, `100755`, `120000`), or null: no file. */
export type FileState = { sha: string; mode: string } | null;

/** One file one patch wrote: its state just before the write and the state the patch produced. */
export interface LoopWrite {
  /** Workspace-relative, `/` separators. */
  path: string;
  before: FileState;
  after: FileState;
}

/** A file both the loop and someone else changed: kept as it is, the loop's intended content saved aside. */
export interface Conflict {
  path: string;
  /** Workspace-relative path of the copy (`.smokes-fixer/conflicts/<run>/<path>`). */
  copy: string;
}

export interface UndoResult {
  /** Files written back or removed. */
  restored: string[];
  conflicts: Conflict[];
}

export interface WorkingTree {
  readonly workspace: string;
  /** Records the working tree as it is now. */
  take(name: string): Promise<Snapshot>;
  /** A unified diff from the snapshot to the tree now, and the files it changes (`binary`: not shown as text). */
  diffSince(snapshot: Snapshot): Promise<{ diff: string; files: Array<{ path: string; binary: boolean }> }>;
  /**
   * Applies a vetted patch, all files or none. `beforeWrite` sees every file's before/after state before
   * the first byte is written, so a record of the loop's writes can be made durable first.
   */
  apply(patch: PatchSummary, o?: { signal?: AbortSignal; beforeWrite?: (writes: LoopWrite[]) => Promise<void> }): Promise<LoopWrite[]>;
  /** Makes the given files (all non-ignored files when omitted) equal to the snapshot. */
  restore(snapshot: Snapshot, paths?: string[]): Promise<{ written: string[]; removed: string[] }>;
  /** Undoes the loop's writes (in the order they were made) by the rule above; conflict copies go under `conflictDir`. */
  undo(writes: LoopWrite[], conflictDir: string): Promise<UndoResult>;
  /** Changes whenever a non-ignored file's content or mode changes (for noticing hand edits). */
  fingerprint(): Promise<string>;
}

export const CONFLICTS_DIR = '.smokes-fixer/conflicts';

export function sameState(a: FileState, b: FileState): boolean {
  if (a === null || b === null) return a === b;
  return a.sha === b.sha && a.mode === b.mode;
}

/**
 * What undoing the loop's writes to one file means, given its state now. Walks the file's writes from the
 * last to the first: a write whose result is still there is taken back; a write that never landed (a
 * crash before it) is passed over; anything else is someone else's change, where the walk stops.
 * `restoreTo` is what to put on disk (null when the file should stay as it is); `conflict` is set when the
 * walk could not get back to the state before the loop's first write, so that state must be saved aside.
 */
export function planFileUndo(writes: LoopWrite[], current: FileState): { restoreTo: { state: FileState } | null; conflict: FileState | undefined } {
  const target = writes[0].before;
  let state = current;
  for (let i = writes.length - 1; i >= 0; i--) {
    const w = writes[i];
    if (sameState(state, w.after)) state = w.before;
    else if (sameState(state, w.before)) continue;
    else break;
  }
  const restoreTo = sameState(state, current) ? null : { state };
  return { restoreTo, conflict: sameState(state, target) ? undefined : target };
}

/** The writes grouped by file, each file's in the order they were made. */
export function writesByFile(writes: LoopWrite[]): Map<string, LoopWrite[]> {
  const byFile = new Map<string, LoopWrite[]>();
  for (const w of writes) {
    const list = byFile.get(w.path) ?? [];
    list.push(w);
    byFile.set(w.path, list);
  }
  return byFile;
}
