// Patches from producers: extraction from an answer, parsing and counting, safety checks, and an
// all-or-nothing apply to the working tree.
//
// The apply runs in-process with the `diff` library rather than `git apply`: it works the same in a plain
// folder, in a repository and in a workspace that is a subfolder of one (no `--directory`/`--unsafe-paths`
// juggling), it never touches the git index, and it lets us check every file before the first write.

import { chmod, lstat, mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, sep } from 'node:path';
import { SmokesError } from './errors';
import { pruneEmptyDirs } from './fsPrune';
import { applyPlaced, hunkBodyEnd, hunkCounts, isHunkHeader, parseSections, placeHunks, renderHunk, splitFile, HunkRefusal, type DiffSection, type Hunk } from './hunks';
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
  // `@@ @@` with no numbers counts: models write hunks so, and they are placed by their context.
  const hasHunk = lines.some((l) => isHunkHeader(l));
  const hasHeaders = lines.some((l, i) => l.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ '));
  const gitOnly = hasGitHeader(lines) && lines.some((l) => /^(rename (from|to)|new file mode|deleted file mode|old mode|new mode|GIT binary patch|Binary files )/.test(l));
  return (hasHunk && hasHeaders) || gitOnly || (hasGitHeader(lines) && hasHunk);
}

const EXTENDED_HEADER =
  /^(index [0-9a-fA-F]+\.\.[0-9a-fA-F]+|old mode |new mode |deleted file mode |new file mode |similarity index |dissimilarity index |rename from |rename to |copy from |copy to |Binary files |GIT binary patch|literal \d+|delta \d+)/;

/**
 * Finds a diff among prose lines: it starts at `diff --git` or a `---`/`+++` pair and ends where the diff
 * grammar ends, so trailing prose is left out.
 */
function scanBareDiff(all: string[]): string | null {
  // The empty string after the answer's last newline is not a line (it would read as an empty context line).
  const lines = all.length > 0 && all[all.length - 1] === '' ? all.slice(0, -1) : all;
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
    if (isHunkHeader(line)) {
      // Counts when they fit the body, else as far as lines look like hunk lines: trailing prose is left out.
      i = hunkBodyEnd(plain, i + 1, line);
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
  // Every line ends in a newline: a last empty context line must not read as the diff's final newline.
  return body.map((l) => `${l}\n`).join('');
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** One file of a patch with everything the apply step needs. */
interface ParsedFile extends PatchFileChange {
  hunks: Hunk[];
  /** `new mode` / `new file mode`, e.g. '100755'. */
  newMode: string | null;
  /** Git's extended header lines (modes, renames), kept when the patch is normalised. */
  extended: string[];
  /** Text of this file's section, for messages. */
  header: string;
}

/**
 * Counts files (created, deleted and renamed count) and changed lines (added + removed) of a unified diff.
 * Hunk counts are read from the hunk bodies, not trusted from their headers.
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
  const sections = parseSections(diff);
  if (sections.length === 0) {
    throw new SmokesError('patch-invalid', 'The patch holds no file changes (no `diff --git` or `---`/`+++` headers).', 'A patch must be a unified diff.');
  }
  return sections.map(parseSection);
}

const EXTENDED_KEPT = /^(old mode |new mode |deleted file mode |new file mode |similarity index |dissimilarity index |rename from |rename to )/;

function parseSection(section: DiffSection): ParsedFile {
  const plain = section.header;
  const header = (plain.length > 0 ? plain : [section.hunks[0]?.header ?? '']).slice(0, 4).join('\n');
  const ext = (prefix: string): string | null => {
    const line = plain.find((l) => l.startsWith(prefix));
    return line === undefined ? null : unquote(line.slice(prefix.length).trim());
  };
  if (plain.some((l) => l.startsWith('copy from ') || l.startsWith('copy to '))) {
    throw new SmokesError('patch-invalid', `The patch copies a file (${header.split('\n')[0]}), which Smokes Fixer does not apply.`, 'Ask for the new file as a created file instead.');
  }
  const oldLines = plain.filter((l) => l.startsWith('--- '));
  const newLines = plain.filter((l) => l.startsWith('+++ '));
  if (oldLines.length > 1 || newLines.length > 1) {
    throw new SmokesError('patch-invalid', `The patch is malformed near ${JSON.stringify(header.split('\n')[0])}: one file section holds several file headers.`, 'A patch must be a unified diff.');
  }

  const gitNames = plain[0]?.startsWith('diff --git ') ? parseGitHeader(plain[0].slice('diff --git '.length)) : null;
  const renameFrom = ext('rename from ');
  const renameTo = ext('rename to ');
  const newFileMode = ext('new file mode ');
  const deletedFileMode = ext('deleted file mode ');
  const newMode = ext('new mode ') ?? newFileMode;

  const oldName = oldLines.length ? fileName(oldLines[0]) : null;
  const newName = newLines.length ? fileName(newLines[0]) : null;
  const prefixed = gitNames !== null || hasGitPrefixes(oldName, newName);
  let oldPath = oldName === null ? null : oldName === '/dev/null' ? null : prefixed ? stripPrefix(oldName) : oldName;
  let newPath = newName === null ? null : newName === '/dev/null' ? null : prefixed ? stripPrefix(newName) : newName;
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

  const hunks = section.hunks;
  let added = 0;
  let removed = 0;
  for (const h of hunks) {
    const c = hunkCounts(h);
    if (c.old === 0 && c.new === 0) {
      throw new SmokesError('patch-invalid', `The patch is malformed near ${JSON.stringify(h.header)}: the hunk has no lines.`, 'Each hunk needs context, removed or added lines.');
    }
    added += c.added;
    removed += c.removed;
  }
  const status: PatchFileChange['status'] =
    oldPath === null ? 'created' : newPath === null ? 'deleted' : oldPath !== newPath ? 'renamed' : 'modified';
  if (hunks.length === 0 && status === 'modified' && ext('new mode ') === null) {
    throw new SmokesError('patch-invalid', `The patch changes nothing in ${oldPath}: it has no hunks.`, 'Each changed file needs at least one `@@` hunk.');
  }
  const extended = plain.filter((l) => EXTENDED_KEPT.test(l));
  return { oldPath, newPath, status, added, removed, hunks, newMode, extended, header };
}

/** The name on a `---`/`+++` line: quoted as git quotes it, or up to a tab (before a timestamp). */
function fileName(line: string): string {
  const rest = line.slice(4).trim();
  if (rest.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    if (m) return unquote(`"${m[1]}"`);
  }
  return rest.split('\t')[0].trimEnd();
}

/**
 * The one-letter prefixes git writes before paths: `a/` and `b/`, swapped by `git diff -R`, and the
 * mnemonic ones of `diff.mnemonicPrefix` (`i/` index, `w/` work tree, `c/` commit, `o/` object).
 */
const GIT_PREFIX = /^([abciow])\//;

/**
 * Whether the `---`/`+++` names carry git's prefixes: two different prefix letters (`/dev/null` stands
 * for either side). A project folder named `a` patched without prefixes (`a/x` on both lines) is not.
 */
function hasGitPrefixes(oldName: string | null, newName: string | null): boolean {
  const letter = (name: string | null): string | null | undefined => (name === '/dev/null' ? null : name === null ? undefined : GIT_PREFIX.exec(name)?.[1]);
  const a = letter(oldName);
  const b = letter(newName);
  if (a === undefined || b === undefined) return false;
  if (a === null || b === null) return (a ?? b) !== null;
  return a !== b;
}

function stripPrefix(name: string): string {
  return name.replace(GIT_PREFIX, '');
}

function unquote(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
    return name.slice(1, -1).replace(/\\(["\\])/g, '$1').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  }
  return name;
}

/** `a/x b/y` (possibly quoted; any pair of git's prefixes, see GIT_PREFIX) → names without prefixes. Equal halves resolve names with spaces. */
function parseGitHeader(rest: string): { old: string; new: string } | null {
  const quoted = /^"([abciow])\/((?:[^"\\]|\\.)*)" "([abciow])\/((?:[^"\\]|\\.)*)"$/.exec(rest);
  if (quoted && quoted[1] !== quoted[3]) return { old: unquote(`"${quoted[2]}"`), new: unquote(`"${quoted[4]}"`) };
  const first = GIT_PREFIX.exec(rest)?.[1];
  if (first === undefined) return null;
  if (rest.length % 2 === 1) {
    const half = (rest.length - 1) / 2;
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    const second = GIT_PREFIX.exec(b)?.[1];
    if (second !== undefined && second !== first && a.slice(2) === b.slice(2)) return { old: a.slice(2), new: b.slice(2) };
  }
  const m = /^([abciow])\/(.+?) ([abciow])\/(.+)$/.exec(rest);
  return m && m[1] !== m[3] ? { old: m[2], new: m[4] } : null;
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

interface FileState {
  content: string | null;
  mode: number | null;
  existed: boolean;
}

/** A file of the patch as planned: where its hunks landed, exactly. */
interface PlannedFile {
  file: ParsedFile;
  hunks: string[][];
}

/**
 * Works out in memory what the patch does to every file it names, hunks placed by their context (see
 * hunks.ts), before anything is written. Throws `patch-does-not-apply` naming file and hunk.
 */
async function planPatch(files: ParsedFile[], workspace: string, signal?: AbortSignal): Promise<{ state: Map<string, FileState>; planned: PlannedFile[] }> {
  // A virtual view of the files the patch touches, so several sections on one file compose.
  const state = new Map<string, FileState>();

  const load = async (rel: string) => {
    const known = state.get(rel);
    if (known) return known;
    const abs = join(workspace, rel);
    let entry: FileState;
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

  const planned: PlannedFile[] = [];
  for (const f of files) {
    signal?.throwIfAborted();
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
    const lines = splitFile(source);
    let result = source;
    let hunks: string[][] = [];
    if (f.hunks.length > 0) {
      try {
        // A created file has no endings of its own: it takes the ones the patch wrote.
        const eol = oldRel === null && f.hunks.every((h) => h.lines.every((l) => l.op !== '+' || l.cr)) ? '\r\n' : undefined;
        const applied = applyPlaced(lines, placeHunks(lines, f.hunks, oldRel ?? newRel ?? '?'), { eol });
        result = applied.content;
        hunks = applied.hunks.map(renderHunk);
      } catch (error) {
        if (error instanceof HunkRefusal) throw notApply(oldRel ?? newRel ?? '?', error.reason);
        throw error;
      }
    }
    planned.push({ file: f, hunks });
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
  return { state, planned };
}

/**
 * The patch as it will be applied (issue 13): every hunk placed by its context in the workspace's files and
 * written with exact line numbers and counts, the file's own text for context and removed lines (so trailing
 * whitespace and CRLF endings are the file's), and a full git header for each file. Paths are checked before
 * any file is read. Throws as `applyPatch` would: `patch-invalid`, `patch-refused`, `patch-does-not-apply`
 * (with "ambiguous: the hunk's context occurs N times in FILE" when the context does not decide).
 */
export async function normalisePatch(diff: string, workspace: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
  const summary = summarizePatch(diff);
  await checkPatchPaths(summary, workspace);
  const { planned } = await planPatch(parseFiles(summary.diff), workspace, opts.signal);
  const out: string[] = [];
  for (const { file, hunks } of planned) {
    const a = file.oldPath ?? file.newPath!;
    const b = file.newPath ?? file.oldPath!;
    out.push(`diff --git ${quotePath(`a/${a}`)} ${quotePath(`b/${b}`)}`, ...file.extended);
    if (hunks.length > 0) {
      out.push(`--- ${file.oldPath === null ? '/dev/null' : quotePath(`a/${file.oldPath}`)}`);
      out.push(`+++ ${file.newPath === null ? '/dev/null' : quotePath(`b/${file.newPath}`)}`);
      for (const h of hunks) out.push(...h);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Git's quoting of a path with quotes, backslashes or control characters. */
function quotePath(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/["\\\u0000-\u001f]/.test(path)) return path;
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\t/g, '\\t').replace(/\n/g, '\\n')}"`;
}

/**
 * Applies the patch to the workspace, all files or none: every file is checked (and patched in memory)
 * before the first write. Hunks are placed by their context as `normalisePatch` places them. A patch that
 * does not apply throws `patch-does-not-apply` naming file and hunk. With `check`, nothing is written.
 * Returns the workspace-relative files written or deleted.
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
  const { state } = await planPatch(parseFiles(summary.diff), workspace, opts.signal);

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

/** Git tracks only the executable bit: keep the file's other permission bits. */
function applyExecBit(current: number, gitMode: number): number {
  const perms = current & 0o777;
  if (gitMode & 0o111) return perms | ((perms & 0o444) >> 2);
  return perms & ~0o111;
}
