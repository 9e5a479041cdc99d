// Patches from producers: extraction from an answer, parsing and counting, safety checks, and an
// all-or-nothing apply to the working tree.
//
// The apply runs in-process with the `diff` library rather than `git apply`: it works the same in a plain
// folder, in a repository and in a workspace that is a subfolder of one (no `--directory`/`--unsafe-paths`
// juggling), it never touches the git index, and it lets us check every file before the first write.

import { chmod, lstat, mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, resolve, sep } from 'node:path';
import { applyPatch as applyHunks, parsePatch, type StructuredPatch } from 'diff';
import { SmokesError } from './errors';
import { pruneEmptyDirs } from './fsPrune';
import { LIMITS, type PatchFileChange, type PatchSummary } from './types';

// ---------------------------------------------------------------------------------------------
// Extraction

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)[^\n]*$/;
const DIFF_LANGS = new Set(['diff', 'patch', 'udiff', 'git']);

/**
 * The unified diff in a producer's answer: the answer itself, or the diff fence(s) in it with prose
 * around, or a bare diff between lines of prose. Several diff fences are joined. Null when there is none.
 */
export function extractDiff(answer: string): string | null {
  const lines = answer.replace(/\r\n/g, '\n').split('\n');
  // Line endings inside the diff matter (a CRLF file's hunk lines may carry \r); only the fences and prose
  // are read normalised. Keep the original lines to slice from.
  const original = splitKeepingCr(answer);

  const fenced: string[] = [];
  let anyFence = false;
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    anyFence = true;
    const marker = open[1];
    const lang = open[2].toLowerCase();
    let j = i + 1;
    while (j < lines.length && !isClosingFence(lines[j], marker)) j++;
    const body = original.slice(i + 1, j);
    if ((DIFF_LANGS.has(lang) || lang === '') && looksLikeDiff(body.map(stripCr))) {
      fenced.push(ensureNewline(trimBlankEdges(body).join('\n')));
    } else if (!DIFF_LANGS.has(lang) && lang !== '' && looksLikeDiff(body.map(stripCr)) && hasGitHeader(body)) {
      // A fence labelled e.g. "python" that plainly holds a git diff still counts.
      fenced.push(ensureNewline(trimBlankEdges(body).join('\n')));
    }
    i = j;
  }
  if (fenced.length > 0) return fenced.join('');

  // No diff fence: a bare diff, possibly between prose lines (and outside any non-diff fence).
  const bare = anyFence ? original.filter((_, i) => !insideAnyFence(lines, i)) : original;
  return scanBareDiff(bare);
}

function splitKeepingCr(text: string): string[] {
  return text.split('\n');
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function isClosingFence(line: string, marker: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  return !!m && m[1][0] === marker[0] && m[1].length >= marker.length;
}

function insideAnyFence(lines: string[], index: number): boolean {
  let open: string | null = null;
  for (let i = 0; i <= index; i++) {
    if (open === null) {
      const m = FENCE.exec(lines[i]);
      if (m) {
        if (i === index) return true;
        open = m[1];
      }
    } else if (isClosingFence(lines[i], open)) {
      if (i === index) return true;
      open = null;
    }
  }
  return open !== null;
}

function trimBlankEdges(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  // Only empty lines: a line of one space is a context line for an empty line.
  while (a < b && stripCr(lines[a]) === '') a++;
  while (b > a && stripCr(lines[b - 1]) === '') b--;
  return lines.slice(a, b);
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function hasGitHeader(lines: string[]): boolean {
  return lines.some((l) => l.startsWith('diff --git '));
}

function looksLikeDiff(lines: string[]): boolean {
  const hasHunk = lines.some((l) => /^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/.test(l));
  const hasHeaders = lines.some((l, i) => l.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ '));
  const gitOnly = hasGitHeader(lines) && lines.some((l) => /^(rename (from|to)|new file mode|deleted file mode|old mode|new mode|GIT binary patch|Binary files )/.test(l));
  return (hasHunk && hasHeaders) || gitOnly || (hasGitHeader(lines) && hasHunk);
}

const EXTENDED_HEADER =
  /^(index [0-9a-fA-F]+\.\.[0-9a-fA-F]+|old mode |new mode |deleted file mode |new file mode |similarity index |dissimilarity index |rename from |rename to |copy from |copy to |Binary files |GIT binary patch|literal \d+|delta \d+)/;

/**
 * Finds a diff among prose lines: it starts at `diff --git` or a `---`/`+++` pair and ends where the diff
 * grammar ends, hunks read by their counts so trailing prose is left out.
 */
function scanBareDiff(lines: string[]): string | null {
  const plain = lines.map(stripCr);
  let start = -1;
  for (let i = 0; i < plain.length; i++) {
    if (plain[i].startsWith('diff --git ') || (plain[i].startsWith('--- ') && (plain[i + 1] ?? '').startsWith('+++ '))) {
      start = i;
      break;
    }
  }
  if (start < 0) return null;

  let i = start;
  let end = start;
  while (i < plain.length) {
    const line = plain[i];
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      let oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      let newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      i++;
      while (i < plain.length && (oldLeft > 0 || newLeft > 0 || plain[i].startsWith('\\'))) {
        const l = plain[i];
        const op = l === '' ? ' ' : l[0];
        if (op === ' ') {
          oldLeft--;
          newLeft--;
        } else if (op === '-') oldLeft--;
        else if (op === '+') newLeft--;
        else if (op !== '\\') break;
        i++;
      }
      end = i;
      continue;
    }
    if (line.startsWith('diff --git ') || line.startsWith('--- ') || line.startsWith('+++ ') || EXTENDED_HEADER.test(line)) {
      i++;
      end = i;
      continue;
    }
    break;
  }
  const body = lines.slice(start, end);
  if (!looksLikeDiff(body.map(stripCr))) return null;
  return ensureNewline(body.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** One file of a patch with everything the apply step needs. */
interface ParsedFile extends PatchFileChange {
  hunks: StructuredPatch['hunks'];
  /** `new mode` / `new file mode`, e.g. '100755'. */
  newMode: string | null;
  /** Text of this file's section, for messages. */
  header: string;
}

/**
 * Counts files (created, deleted and renamed count) and changed lines (added + removed) of a unified diff.
 * Throws `patch-invalid` for a malformed diff and `patch-refused` for binary content.
 */
export function summarizePatch(diff: string): PatchSummary {
  const files = parseFiles(diff);
  return {
    diff: ensureNewline(diff),
    files: files.map(({ oldPath, newPath, status, added, removed }) => ({ oldPath, newPath, status, added, removed })),
    fileCount: files.length,
    changedLines: files.reduce((n, f) => n + f.added + f.removed, 0),
  };
}

function parseFiles(diff: string): ParsedFile[] {
  if (/^GIT binary patch$/m.test(diff) || /^Binary files .* differ\r?$/m.test(diff) || diff.includes('\0')) {
    throw new SmokesError(
      'patch-refused',
      'The patch holds binary content, which Smokes Fixer does not apply.',
      'Ask for a text-only unified diff.',
    );
  }
  const sections = splitSections(diff);
  if (sections.length === 0) {
    throw new SmokesError('patch-invalid', 'The patch holds no file changes (no `diff --git` or `---`/`+++` headers).', 'A patch must be a unified diff.');
  }
  return sections.map(parseSection);
}

/** Splits a multi-file diff at `diff --git` lines, or at `---` lines followed by `+++` when there are none. */
function splitSections(diff: string): string[][] {
  const lines = diff.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const sections: string[][] = [];
  let current: string[] | null = null;
  let inHunk = { old: 0, new: 0 };
  for (let i = 0; i < lines.length; i++) {
    const line = stripCr(lines[i]);
    const insideHunk = inHunk.old > 0 || inHunk.new > 0;
    const startsFile =
      !insideHunk &&
      (line.startsWith('diff --git ') ||
        (line.startsWith('--- ') && stripCr(lines[i + 1] ?? '').startsWith('+++ ') && !(current && isGitSectionWithoutHeaders(current))));
    if (startsFile) {
      current = [];
      sections.push(current);
    }
    if (!current) {
      if (line.trim() === '') continue;
      throw new SmokesError('patch-invalid', `The patch starts with a line that is not part of a unified diff: ${JSON.stringify(line.slice(0, 80))}.`, 'A patch must be a unified diff.');
    }
    current.push(lines[i]);
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (!insideHunk && hunk) {
      inHunk = { old: hunk[1] === undefined ? 1 : Number(hunk[1]), new: hunk[2] === undefined ? 1 : Number(hunk[2]) };
    } else if (insideHunk) {
      const op = line === '' ? ' ' : line[0];
      if (op === ' ') {
        inHunk.old--;
        inHunk.new--;
      } else if (op === '-') inHunk.old--;
      else if (op === '+') inHunk.new--;
      else if (op !== '\\') inHunk = { old: 0, new: 0 }; // malformed; parsePatch will say so
    }
  }
  return sections;
}

/** A `diff --git` section that already has its `---` line: the next `---` starts a new file only after `diff --git`. */
function isGitSectionWithoutHeaders(section: string[]): boolean {
  return stripCr(section[0]).startsWith('diff --git ') && !section.some((l) => stripCr(l).startsWith('--- '));
}

function parseSection(section: string[]): ParsedFile {
  const plain = section.map(stripCr);
  const header = plain.slice(0, 4).join('\n');
  const ext = (prefix: string): string | null => {
    const line = plain.find((l) => l.startsWith(prefix));
    return line === undefined ? null : unquote(line.slice(prefix.length).trim());
  };
  if (plain.some((l) => l.startsWith('copy from ') || l.startsWith('copy to '))) {
    throw new SmokesError('patch-invalid', `The patch copies a file (${header.split('\n')[0]}), which Smokes Fixer does not apply.`, 'Ask for the new file as a created file instead.');
  }

  let parsed: StructuredPatch[];
  try {
    // parsePatch does not know git's extended headers: hand it the section from the first ---/+++/@@ line.
    const from = plain.findIndex((l) => l.startsWith('--- ') || l.startsWith('+++ ') || l.startsWith('@@'));
    parsed = from < 0 ? [] : parsePatch(section.slice(from).join('\n'));
  } catch (error) {
    throw new SmokesError('patch-invalid', `The patch is malformed near ${JSON.stringify(header.split('\n')[0])}: ${(error as Error).message}.`, 'Hunk headers must match the lines that follow them.', { cause: error });
  }
  if (parsed.length > 1) {
    throw new SmokesError('patch-invalid', `The patch is malformed near ${JSON.stringify(header.split('\n')[0])}: one file section holds several file headers.`, 'A patch must be a unified diff.');
  }
  const p = parsed[0];

  const gitNames = plain[0].startsWith('diff --git ') ? parseGitHeader(plain[0].slice('diff --git '.length)) : null;
  const renameFrom = ext('rename from ');
  const renameTo = ext('rename to ');
  const newFileMode = ext('new file mode ');
  const deletedFileMode = ext('deleted file mode ');
  const newMode = ext('new mode ') ?? newFileMode;

  let oldName = p?.oldFileName ?? null;
  let newName = p?.newFileName ?? null;
  const prefixed = gitNames !== null || (startsWithPrefix(oldName, 'a/') && startsWithPrefix(newName, 'b/'));
  let oldPath = oldName === null ? null : oldName === '/dev/null' ? null : prefixed ? stripPrefix(oldName, 'a/') : oldName;
  let newPath = newName === null ? null : newName === '/dev/null' ? null : prefixed ? stripPrefix(newName, 'b/') : newName;
  if (oldName === null && newName === null) {
    // No ---/+++ lines: a rename, a mode change or an empty file created/deleted; names from git's headers.
    if (!gitNames) {
      throw new SmokesError('patch-invalid', `The patch has a hunk without file names near ${JSON.stringify(header.split('\n')[0])}.`, 'Each file in a unified diff needs `---` and `+++` lines.');
    }
    oldPath = renameFrom ?? gitNames.old;
    newPath = renameTo ?? gitNames.new;
    if (newFileMode !== null) oldPath = null;
    if (deletedFileMode !== null) newPath = null;
  } else {
    if (renameFrom !== null) oldPath = renameFrom;
    if (renameTo !== null) newPath = renameTo;
    if (newFileMode !== null && oldName !== '/dev/null') oldPath = null;
    if (deletedFileMode !== null && newName !== '/dev/null') newPath = null;
  }
  if (oldPath === null && newPath === null) {
    throw new SmokesError('patch-invalid', `The patch names no file near ${JSON.stringify(header.split('\n')[0])}.`, 'A patch must be a unified diff.');
  }

  const hunks = p?.hunks ?? [];
  let added = 0;
  let removed = 0;
  for (const h of hunks) {
    for (const l of h.lines) {
      if (l.startsWith('+')) added++;
      else if (l.startsWith('-')) removed++;
    }
  }
  const status: PatchFileChange['status'] =
    oldPath === null ? 'created' : newPath === null ? 'deleted' : oldPath !== newPath ? 'renamed' : 'modified';
  if (hunks.length === 0 && status === 'modified' && ext('new mode ') === null) {
    throw new SmokesError('patch-invalid', `The patch changes nothing in ${oldPath}: it has no hunks.`, 'Each changed file needs at least one `@@` hunk.');
  }
  return { oldPath, newPath, status, added, removed, hunks, newMode, header };
}

function startsWithPrefix(name: string | null, prefix: string): boolean {
  return name === '/dev/null' || (name !== null && name.startsWith(prefix));
}

function stripPrefix(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

function unquote(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
    return name.slice(1, -1).replace(/\\(["\\])/g, '$1').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  }
  return name;
}

/** `a/x b/y` (possibly quoted) → names without prefixes. Equal halves resolve names with spaces. */
function parseGitHeader(rest: string): { old: string; new: string } | null {
  const quoted = /^"a\/((?:[^"\\]|\\.)*)" "b\/((?:[^"\\]|\\.)*)"$/.exec(rest);
  if (quoted) return { old: unquote(`"${quoted[1]}"`), new: unquote(`"${quoted[2]}"`) };
  if (rest.startsWith('a/') && rest.length % 2 === 1) {
    const half = (rest.length - 1) / 2;
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (b.startsWith('b/') && a.slice(2) === b.slice(2)) return { old: a.slice(2), new: b.slice(2) };
  }
  const m = /^a\/(.+?) b\/(.+)$/.exec(rest);
  return m ? { old: m[1], new: m[2] } : null;
}

// ---------------------------------------------------------------------------------------------
// Limits and path safety

/** A readable reason when the patch is over the spec's limits (PRODUCT.md 7), else null. */
export function exceedsLimits(summary: PatchSummary, limits: { maxFiles: number; maxChangedLines: number } = LIMITS): string | null {
  const reasons: string[] = [];
  if (summary.fileCount > limits.maxFiles) {
    reasons.push(`it changes ${summary.fileCount} files (limit ${limits.maxFiles})`);
  }
  if (summary.changedLines > limits.maxChangedLines) {
    reasons.push(`it changes ${summary.changedLines} lines (limit ${limits.maxChangedLines})`);
  }
  return reasons.length ? `The patch is too large: ${reasons.join(' and ')}.` : null;
}

function refused(path: string, why: string): SmokesError {
  return new SmokesError('patch-refused', `The patch touches ${JSON.stringify(path)}, which is refused: ${why}.`, 'Patches may only change files inside the workspace, outside .git.');
}

/** The path's components, `\` read as a separator too so no spelling slips past. */
function components(path: string): string[] {
  return path.split(/[\\/]+/).filter((c) => c !== '' && c !== '.');
}

/**
 * Refuses paths that leave the workspace (absolute, `..`, through a symlink that points out), that reach
 * into `.git/` or the product's own `.smokes-fixer/`, or that hold control characters.
 */
export async function checkPatchPaths(summary: PatchSummary, workspace: string): Promise<void> {
  const root = await realpath(workspace);
  for (const file of summary.files) {
    for (const path of [file.oldPath, file.newPath]) {
      if (path === null) continue;
      checkPathText(path);
      await checkNoSymlinkEscape(path, workspace, root);
    }
  }
}

function checkPathText(path: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw refused(path, 'it holds control characters');
  if (path.trim() === '') throw refused(path, 'the path is empty');
  if (isAbsolute(path) || path.startsWith('\\') || /^[A-Za-z]:/.test(path) || path.startsWith('~')) {
    throw refused(path, 'it is an absolute path');
  }
  let depth = 0;
  for (const c of components(path)) {
    if (c === '..') {
      depth--;
      if (depth < 0) throw refused(path, 'it leaves the workspace through `..`');
    } else depth++;
  }
  const parts = components(path);
  if (parts.length === 0) throw refused(path, 'it names the workspace itself');
  // `.git` in any case, and the spellings some file systems treat as the same name (`.git.`, `.git `).
  if (parts.some((c) => c.replace(/[. ]+$/, '').toLowerCase() === '.git')) throw refused(path, 'it is inside a .git directory');
  if (normalizeRel(path).split('/')[0] === '.smokes-fixer') throw refused(path, "it is inside Smokes Fixer's own .smokes-fixer directory");
}

/** Every existing ancestor (and the file itself) must resolve inside the workspace. */
async function checkNoSymlinkEscape(path: string, workspace: string, root: string): Promise<void> {
  const parts = normalizeRel(path).split('/');
  let current = workspace;
  for (const part of parts) {
    current = join(current, part);
    try {
      await lstat(current);
    } catch {
      return; // does not exist yet: nothing below it can be a symlink
    }
    let real: string;
    try {
      real = await realpath(current);
    } catch {
      throw refused(path, 'it goes through a broken symbolic link');
    }
    if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) {
      throw refused(path, `it goes through a symbolic link that leaves the workspace (${current} → ${real})`);
    }
  }
}

function normalizeRel(path: string): string {
  return posix.normalize(path.replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
}

// ---------------------------------------------------------------------------------------------
// Apply

export interface PlannedWrite {
  path: string; // workspace-relative
  content: string | null; // null: delete
  mode: number | null; // file mode to set, null: keep/default
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Applies the patch to the workspace, all files or none: every file is checked (and patched in memory)
 * before the first write. A patch that does not apply throws `patch-does-not-apply` naming file and hunk.
 * With `check`, nothing is written. Returns the workspace-relative files written or deleted.
 */
export async function applyPatch(
  summary: PatchSummary,
  workspace: string,
  opts: {
    signal?: AbortSignal;
    check?: boolean;
    /** Called with every planned write once the whole patch is known to apply, before the first write. */
    onPlan?: (plan: readonly PlannedWrite[]) => Promise<void>;
  } = {},
): Promise<{ files: string[] }> {
  await checkPatchPaths(summary, workspace);
  const files = parseFiles(summary.diff);
  // A virtual view of the files the patch touches, so several sections on one file compose.
  const state = new Map<string, { content: string | null; mode: number | null; existed: boolean }>();

  const load = async (rel: string) => {
    const known = state.get(rel);
    if (known) return known;
    const abs = join(workspace, rel);
    let entry: { content: string | null; mode: number | null; existed: boolean };
    try {
      const st = await stat(abs);
      if (!st.isFile()) throw new SmokesError('patch-does-not-apply', `The patch does not apply: ${rel} is not a regular file.`, 'The producer should patch files, not directories.');
      const bytes = await readFile(abs);
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        throw new SmokesError('patch-does-not-apply', `The patch does not apply: ${rel} is not UTF-8 text.`, 'Smokes Fixer patches text files only.');
      }
      entry = { content: text, mode: st.mode & 0o7777, existed: true };
    } catch (error) {
      if (error instanceof SmokesError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
      entry = { content: null, mode: null, existed: false };
    }
    state.set(rel, entry);
    return entry;
  };

  const notApply = (rel: string, why: string) =>
    new SmokesError('patch-does-not-apply', `The patch does not apply to ${rel}: ${why}. Nothing was written.`, 'The file may have changed since the producer read it; the attempt is spent.');

  for (const f of files) {
    opts.signal?.throwIfAborted();
    const oldRel = f.oldPath === null ? null : normalizeRel(f.oldPath);
    const newRel = f.newPath === null ? null : normalizeRel(f.newPath);
    let source = '';
    let mode: number | null = null;
    if (oldRel !== null) {
      const entry = await load(oldRel);
      if (entry.content === null) throw notApply(oldRel, 'the file does not exist');
      source = entry.content;
      mode = entry.mode;
    }
    if (newRel !== null && newRel !== oldRel) {
      const target = await load(newRel);
      if (target.content !== null) throw notApply(newRel, f.status === 'created' ? 'the file to create already exists' : 'the rename target already exists');
    }
    const applied = f.hunks.length === 0 ? source : applyHunks(source, { ...emptyPatch(), hunks: f.hunks }, { autoConvertLineEndings: true, fuzzFactor: 0 });
    if (applied === false) {
      // Name the first hunk that does not fit: the shortest prefix of hunks that fails ends with it.
      let h = 0;
      while (h < f.hunks.length - 1 && applyHunks(source, { ...emptyPatch(), hunks: f.hunks.slice(0, h + 1) }, { autoConvertLineEndings: true }) !== false) h++;
      const hunk = f.hunks[h];
      throw notApply(oldRel ?? newRel ?? '?', `hunk ${h + 1} of ${f.hunks.length} (@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@) does not match the file`);
    }
    const result = applied;
    if (f.status === 'deleted') {
      if (result !== '' && f.hunks.length > 0) throw notApply(oldRel!, 'the deletion does not remove the whole file');
      state.set(oldRel!, { content: null, mode: null, existed: state.get(oldRel!)!.existed });
      continue;
    }
    const newMode = f.newMode ? Number.parseInt(f.newMode, 8) & 0o777 : null;
    const finalMode = newMode !== null ? applyExecBit(mode ?? 0o644, newMode) : mode;
    if (oldRel !== null && newRel !== oldRel) state.set(oldRel, { content: null, mode: null, existed: state.get(oldRel)!.existed });
    state.set(newRel!, { content: result, mode: finalMode, existed: state.get(newRel!)?.existed ?? false });
  }

  const plan: PlannedWrite[] = [];
  for (const [path, entry] of state) {
    if (entry.content === null && !entry.existed) continue;
    plan.push({ path, content: entry.content, mode: entry.mode });
  }
  if (opts.check) return { files: plan.map((p) => p.path) };

  opts.signal?.throwIfAborted();
  await opts.onPlan?.(plan);
  // Deletions first, so a rename onto a path a deleted directory held can land.
  for (const p of plan.filter((w) => w.content === null)) {
    const abs = join(workspace, p.path);
    await rm(abs, { force: true });
    await pruneEmptyDirs(dirname(abs), workspace);
  }
  for (const p of plan.filter((w) => w.content !== null)) {
    const abs = join(workspace, p.path);
    await mkdir(dirname(abs), { recursive: true });
    // Writing in place keeps the file's inode, owner and mode; a new file gets the default mode.
    await writeFile(abs, p.content!, { encoding: 'utf8' });
    if (p.mode !== null) await chmod(abs, p.mode);
  }
  return { files: plan.map((p) => p.path) };
}

function emptyPatch(): StructuredPatch {
  return { oldFileName: '', newFileName: '', oldHeader: undefined, newHeader: undefined, hunks: [] };
}

/** Git tracks only the executable bit: keep the file's other permission bits. */
function applyExecBit(current: number, gitMode: number): number {
  const perms = current & 0o777;
  if (gitMode & 0o111) return perms | ((perms & 0o444) >> 2);
  return perms & ~0o111;
}
