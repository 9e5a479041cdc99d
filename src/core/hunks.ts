// Hunks as language models write them (issue 13): counts taken from the body (as `git apply --recount`
// does), hunks with missing or wrong line numbers placed by their context and removed lines, refused when
// that text is ambiguous or absent, and rendered back as a hunk with exact numbers and the file's own text.
//
// Matching forgives only trailing whitespace and line endings (a CRLF file, an LF answer): anything else is a
// different line. There is no fuzzy matching of code; a hunk that cannot be placed exactly is refused.

import { SmokesError } from './errors';

export type LineOp = ' ' | '-' | '+';

export interface HunkLine {
  op: LineOp;
  /** The line's text without its line ending. */
  text: string;
  /** The line ended in CRLF in the diff. */
  cr: boolean;
}

export interface Hunk {
  /** 1-based start lines as stated in the header; null when it gave none (`@@ @@`). */
  oldStart: number | null;
  newStart: number | null;
  /** The header line as written, for messages. */
  header: string;
  lines: HunkLine[];
  /** `\ No newline at end of file` after the last line of the old / new side. */
  oldNoNewline: boolean;
  newNoNewline: boolean;
}

/** One file section of a diff: its header lines (`\r` removed) and its hunks. */
export interface DiffSection {
  header: string[];
  hunks: Hunk[];
}

const HUNK_HEADER = /^@@(?:\s|@|$)/;

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** `diff --git …`, or a `---` line followed by a `+++` line: where a file section starts. */
export function startsFile(lines: string[], i: number): boolean {
  const line = stripCr(lines[i]);
  return line.startsWith('diff --git ') || (line.startsWith('--- ') && stripCr(lines[i + 1] ?? '').startsWith('+++ '));
}

function isHunkLine(line: string): boolean {
  return line === '' || line[0] === ' ' || line[0] === '-' || line[0] === '+' || line[0] === '\\';
}

/** Stated numbers of a hunk header: only between the two `@@`, so a section heading after them is not read. */
export function parseHunkHeader(line: string): { oldStart: number | null; oldCount: number | null; newStart: number | null; newCount: number | null } {
  const plain = stripCr(line);
  const close = plain.indexOf('@@', 2);
  const ranges = close < 0 ? plain.slice(2) : plain.slice(2, close);
  const old = /(?:^|\s)-(\d+)(?:,(\d+))?/.exec(ranges);
  const neu = /(?:^|\s)\+(\d+)(?:,(\d+))?/.exec(ranges);
  return {
    oldStart: old ? Number(old[1]) : null,
    oldCount: old ? (old[2] === undefined ? 1 : Number(old[2])) : null,
    newStart: neu ? Number(neu[1]) : null,
    newCount: neu ? (neu[2] === undefined ? 1 : Number(neu[2])) : null,
  };
}

export function isHunkHeader(line: string): boolean {
  return HUNK_HEADER.test(stripCr(line));
}

/** A line where a hunk body certainly ends: end of input, the next hunk, the next file, or prose. */
function isBoundary(lines: string[], i: number): boolean {
  if (i >= lines.length) return true;
  const line = stripCr(lines[i]);
  if (isHunkHeader(line) || startsFile(lines, i)) return true;
  if (line === '') {
    // Blank lines end a hunk only when nothing but blank lines stand between it and a real boundary.
    let j = i;
    while (j < lines.length && stripCr(lines[j]) === '') j++;
    return j >= lines.length || isHunkHeader(lines[j]) || startsFile(lines, j) || !isHunkLine(stripCr(lines[j]));
  }
  return !isHunkLine(line);
}

/**
 * The end (exclusive) of the hunk body that starts at `start`, just after the `@@` line. When the header's
 * counts fit the body exactly they are used (so a removed line `-- x` before an added `++ y` stays a hunk
 * line); otherwise the body runs as far as lines look like hunk lines, trailing blank lines left out.
 */
export function hunkBodyEnd(lines: string[], start: number, header: string): number {
  const stated = parseHunkHeader(header);
  if (stated.oldCount !== null && stated.newCount !== null) {
    let oldLeft = stated.oldCount;
    let newLeft = stated.newCount;
    let i = start;
    let fits = true;
    while (oldLeft > 0 || newLeft > 0) {
      if (i >= lines.length) {
        fits = false;
        break;
      }
      const line = stripCr(lines[i]);
      const op = line === '' ? ' ' : line[0];
      if (op === ' ') {
        oldLeft--;
        newLeft--;
      } else if (op === '-') oldLeft--;
      else if (op === '+') newLeft--;
      else if (op !== '\\') {
        fits = false;
        break;
      }
      if (oldLeft < 0 || newLeft < 0) {
        fits = false;
        break;
      }
      i++;
    }
    while (fits && i < lines.length && stripCr(lines[i]).startsWith('\\')) i++;
    if (fits && isBoundary(lines, i)) return i;
  }
  let i = start;
  while (i < lines.length && !isHunkHeader(lines[i]) && !startsFile(lines, i) && isHunkLine(stripCr(lines[i]))) i++;
  while (i > start && stripCr(lines[i - 1]) === '') i--;
  return i;
}

/** Reads a hunk from its header and body lines; counts come from the body. */
export function readHunk(header: string, body: string[]): Hunk {
  const stated = parseHunkHeader(header);
  const hunk: Hunk = {
    oldStart: stated.oldStart,
    newStart: stated.newStart,
    header: stripCr(header),
    lines: [],
    oldNoNewline: false,
    newNoNewline: false,
  };
  for (const raw of body) {
    const cr = raw.endsWith('\r');
    const line = cr ? raw.slice(0, -1) : raw;
    if (line.startsWith('\\')) {
      const last = hunk.lines[hunk.lines.length - 1];
      if (!last) continue;
      if (last.op !== '+') hunk.oldNoNewline = true;
      if (last.op !== '-') hunk.newNoNewline = true;
      continue;
    }
    // An empty line inside a hunk is a context line whose leading space was trimmed away.
    const op = (line === '' ? ' ' : line[0]) as LineOp;
    hunk.lines.push({ op, text: line.slice(1), cr });
  }
  return hunk;
}

/** Counts of a hunk's sides, taken from its body. */
export function hunkCounts(hunk: Hunk): { old: number; new: number; added: number; removed: number } {
  let added = 0;
  let removed = 0;
  let context = 0;
  for (const l of hunk.lines) {
    if (l.op === '+') added++;
    else if (l.op === '-') removed++;
    else context++;
  }
  return { old: context + removed, new: context + added, added, removed };
}

/**
 * Splits a diff into file sections, each with its header lines and hunks. Blank lines between sections are
 * skipped; any other line that is not part of a unified diff is `patch-invalid`.
 */
export function parseSections(diff: string): DiffSection[] {
  const lines = diff.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const sections: DiffSection[] = [];
  let current: DiffSection | null = null;
  let i = 0;
  while (i < lines.length) {
    const line = stripCr(lines[i]);
    const gitWithoutNames = current !== null && current.hunks.length === 0 && current.header[0]?.startsWith('diff --git ') && !current.header.some((l) => l.startsWith('--- '));
    if (startsFile(lines, i) && !(gitWithoutNames && !line.startsWith('diff --git '))) {
      current = { header: [], hunks: [] };
      sections.push(current);
    }
    if (isHunkHeader(line)) {
      if (!current) throw invalid(line, 'a hunk comes before any file header (`---`/`+++` lines)');
      const end = hunkBodyEnd(lines, i + 1, line);
      current.hunks.push(readHunk(lines[i], lines.slice(i + 1, end)));
      i = end;
      continue;
    }
    if (!current || current.hunks.length > 0) {
      if (line.trim() === '') {
        i++;
        continue;
      }
      throw invalid(line, current ? 'it is neither a hunk line nor a file header' : 'the patch must start with a file header');
    }
    current.header.push(line);
    i++;
  }
  return sections;
}

function invalid(line: string, why: string): SmokesError {
  return new SmokesError('patch-invalid', `The patch is malformed at ${JSON.stringify(line.slice(0, 80))}: ${why}.`, 'A patch must be a unified diff.');
}

// ---------------------------------------------------------------------------------------------
// Placing and applying

/** A file read into lines, each with its own ending ('\r\n', '\n', or '' for a last line without one). */
export interface FileLines {
  lines: Array<{ text: string; end: string }>;
  /** The ending for lines the patch adds: the file's usual one. */
  eol: string;
  finalNewline: boolean;
}

export function splitFile(content: string): FileLines {
  const lines: FileLines['lines'] = [];
  let crlf = 0;
  let lf = 0;
  let at = 0;
  while (at < content.length) {
    const nl = content.indexOf('\n', at);
    if (nl < 0) {
      lines.push({ text: content.slice(at), end: '' });
      break;
    }
    const cr = nl > at && content[nl - 1] === '\r';
    if (cr) crlf++;
    else lf++;
    lines.push({ text: content.slice(at, cr ? nl - 1 : nl), end: cr ? '\r\n' : '\n' });
    at = nl + 1;
  }
  return { lines, eol: crlf > lf ? '\r\n' : '\n', finalNewline: content === '' || content.endsWith('\n') };
}

/** Trailing whitespace (line endings included) is the only difference matching forgives. */
function same(a: string, b: string): boolean {
  return a.replace(/[ \t\r\f\v]+$/, '') === b.replace(/[ \t\r\f\v]+$/, '');
}

/** Where a hunk was placed: 0-based index of its first old line in the file. */
export interface Placement {
  hunk: Hunk;
  at: number;
}

/**
 * Places every hunk of one file by its context and removed lines, in order and without overlap: the one
 * place the text occurs, or, when it occurs several times, the one at the stated line provided every hunk
 * of the file is at its stated line. Throws a `HunkRefusal` naming the hunk otherwise.
 */
export function placeHunks(file: FileLines, hunks: Hunk[], name: string): Placement[] {
  const placements: Placement[] = [];
  const n = file.lines.length;
  const oldSides = hunks.map((h) => h.lines.filter((l) => l.op !== '+'));
  const matchesAt = (old: HunkLine[], p: number, eof: boolean) => {
    if (p < 0 || p + old.length > n || (eof && p + old.length !== n)) return false;
    for (let j = 0; j < old.length; j++) if (!same(file.lines[p + j].text, old[j].text)) return false;
    return true;
  };
  // The numbers are believed only when every hunk of the file is where its numbers say: a correct diff. One
  // wrong number shows they are guesses, and a guess that lands on another copy of the text (a blank line, a
  // repeated `return`) would put the change in the wrong place.
  let end = 0;
  const numbersHold = hunks.every((h, k) => {
    const at = h.oldStart === null ? -1 : oldSides[k].length === 0 ? h.oldStart : h.oldStart - 1;
    const ok = at >= end && matchesAt(oldSides[k], at, h.oldNoNewline);
    end = at + oldSides[k].length;
    return ok;
  });
  let from = 0;
  hunks.forEach((hunk, k) => {
    const label = `hunk ${k + 1} of ${hunks.length} (${hunk.header})`;
    const old = oldSides[k];
    // A hunk of context alone changes nothing: the answer was cut short, and applying it would call a
    // no-op a patch.
    if (hunk.lines.every((l) => l.op === ' ')) throw new HunkRefusal(name, `${label} changes nothing (context lines only): the diff looks cut short`);
    let at: number;
    if (old.length === 0) {
      // Pure additions go only into an empty file: elsewhere nothing but a number would say where, and a
      // number cannot be checked against the file (git refuses such hunks too, short of --unidiff-zero).
      if (n > 0) throw new HunkRefusal(name, `${label} adds lines without context or removed lines to place them by`);
      at = 0;
    } else {
      const found: number[] = [];
      let earlier = 0;
      for (let p = 0; p + old.length <= n; p++) {
        if (!matchesAt(old, p, hunk.oldNoNewline)) continue;
        if (p >= from) found.push(p);
        else earlier++;
      }
      if (found.length === 0) {
        const first = old.find((l) => l.text.trim() !== '') ?? old[0];
        const why =
          earlier > 0
            ? `${label} matches only before the previous hunk ends (hunks must be in file order and must not overlap)`
            : `${label} does not match: its context and removed lines (from ${JSON.stringify(first.text.slice(0, 60))}) do not occur in the file`;
        throw new HunkRefusal(name, why);
      }
      if (found.length === 1) at = found[0];
      else if (numbersHold) at = hunk.oldStart! - 1;
      else {
        const why = hunk.oldStart === null ? 'no line number says which' : "the file's hunks are not all at their stated lines, so the numbers do not say which";
        throw new HunkRefusal(name, `${label} is ambiguous: the hunk's context occurs ${found.length} times in ${name} (${why})`, true);
      }
    }
    placements.push({ hunk, at });
    from = at + old.length;
  });
  return placements;
}

/** A hunk that cannot be placed; the caller turns it into its own error with the file's path. */
export class HunkRefusal extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly ambiguous = false,
  ) {
    super(reason);
  }
}

/** A placed hunk rendered with exact numbers, counts and the file's own text. */
interface RenderedHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  body: string[];
}

/**
 * Applies placed hunks: context lines keep the file's own text and endings, added lines are exactly the
 * hunk's text with the file's line ending, and the file keeps its final newline unless a hunk that reaches
 * the end says otherwise (`\ No newline at end of file`). Returns the new content and the exact hunks.
 */
export function applyPlaced(file: FileLines, placements: Placement[], opts: { eol?: string } = {}): { content: string; hunks: RenderedHunk[] } {
  const eol = opts.eol ?? file.eol;
  const n = file.lines.length;
  type Out = { text: string; end: string };
  const out: Out[] = [];
  // Per hunk: index range in `out` of its new side.
  const spans: Array<{ from: number; to: number }> = [];
  let cursor = 0;
  let finalNewline = file.finalNewline;
  for (const { hunk, at } of placements) {
    while (cursor < at) out.push({ ...file.lines[cursor++] });
    const from = out.length;
    let oi = at;
    for (const l of hunk.lines) {
      if (l.op === ' ') out.push({ ...file.lines[oi++] });
      else if (l.op === '-') oi++;
      else out.push({ text: l.text, end: eol });
    }
    spans.push({ from, to: out.length });
    cursor = oi;
    // Markers on both sides (or neither) change nothing: the file keeps its own final newline.
    if (oi === n && hunk.oldNoNewline !== hunk.newNoNewline) finalNewline = !hunk.newNoNewline;
  }
  while (cursor < n) out.push({ ...file.lines[cursor++] });
  // Every line but the last ends; the last ends as the file's final newline says.
  out.forEach((l, i) => {
    if (i < out.length - 1) l.end = l.end || eol;
    else l.end = finalNewline ? l.end || eol : '';
  });
  const content = out.map((l) => l.text + l.end).join('');

  const oldNoNl = !file.finalNewline && n > 0;
  const newNoNl = !finalNewline && out.length > 0;
  let shift = 0;
  const hunks: RenderedHunk[] = placements.map(({ hunk, at }, k) => {
    const { old: oldLines, new: newLines } = hunkCounts(hunk);
    const span = spans[k];
    const oldSide = file.lines.slice(at, at + oldLines);
    const newSide = out.slice(span.from, span.to);
    const oldEnds = at + oldLines === n && oldNoNl && oldLines > 0;
    const newEnds = span.to === out.length && newNoNl && newLines > 0;
    const body: string[] = [];
    let oi = 0;
    let ni = 0;
    const lastOld = oldLines - 1;
    const lastNew = newLines - 1;
    const cr = (l: Out) => (l.end === '\r\n' ? '\r' : '');
    const marker = '\\ No newline at end of file';
    const removed = (i: number) => {
      body.push(`-${oldSide[i].text}${cr(oldSide[i])}`);
      if (i === lastOld && oldEnds) body.push(marker);
    };
    const added = (i: number) => {
      body.push(`+${newSide[i].text}${cr(newSide[i])}`);
      if (i === lastNew && newEnds) body.push(marker);
    };
    for (const l of hunk.lines) {
      if (l.op === '-') removed(oi++);
      else if (l.op === '+') added(ni++);
      else if ((oi === lastOld && oldEnds) !== (ni === lastNew && newEnds)) {
        // The line's newline differs between the sides: git writes it as removed and added again.
        removed(oi++);
        added(ni++);
      } else {
        body.push(` ${oldSide[oi].text}${cr(oldSide[oi])}`);
        if (oi === lastOld && oldEnds) body.push(marker);
        oi++;
        ni++;
      }
    }
    const oldStart = oldLines === 0 ? at : at + 1;
    const newAt = at + shift;
    const newStart = newLines === 0 ? newAt : newAt + 1;
    shift += newLines - oldLines;
    return { oldStart, oldLines, newStart, newLines, body };
  });
  return { content, hunks };
}

export function renderHunk(h: RenderedHunk): string[] {
  const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
  return [`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.body];
}
