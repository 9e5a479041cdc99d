import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { structuredPatch } from 'diff';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile, lstat, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { SmokesError } from '../../src/core/errors';
import { applyPatch, checkPatchPaths, exceedsLimits, summarizePatch } from '../../src/core/patch';
import { Figures } from './figures';

// Patches as a producer may send them: hand-written hostile and odd cases beside generated ones. Each is
// vetted and applied as the loop does (summarize, limits, paths, all-or-nothing apply) in a real folder,
// and the whole tree — and a sentinel outside it — is compared byte for byte before and after: the patch
// is refused with the tree untouched, or applied exactly as intended. Never anything in between.

const figures = new Figures('patches');
afterAll(() => figures.write());

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

type Tree = Record<string, string>;

/** Every entry under `dir` (files as base64 bytes, symlinks as their target), `.git` included. */
async function snapshot(dir: string): Promise<Tree> {
  const out: Tree = {};
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      const rel = relative(dir, full);
      const st = await lstat(full);
      if (st.isSymbolicLink()) out[rel] = `link:${await readlink(full)}`;
      else if (st.isDirectory()) await walk(full);
      else out[rel] = `${(st.mode & 0o777).toString(8)}:${(await readFile(full)).toString('base64')}`;
    }
  }
  await walk(dir);
  return out;
}

/** A box holding the workspace `ws` and an `outside` folder beside it, with a sentinel in each. */
async function box(files: Record<string, string | Buffer>): Promise<{ root: string; ws: string }> {
  const root = await mkdtemp(join(tmpdir(), 'sf-patch-'));
  dirs.push(root);
  const ws = join(root, 'ws');
  await mkdir(join(ws, '.git'), { recursive: true });
  await writeFile(join(ws, '.git', 'config'), '[core]\n\tbare = false\n');
  await mkdir(join(root, 'outside'), { recursive: true });
  await writeFile(join(root, 'outside', 'sentinel.txt'), 'outside\n');
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(ws, rel)), { recursive: true });
    await writeFile(join(ws, rel), content);
  }
  return { root, ws };
}

type Outcome = { kind: 'applied' } | { kind: 'refused'; code: string; message: string };

/** The loop's vetting and apply, in its order. */
async function vetAndApply(diff: string, ws: string): Promise<Outcome> {
  try {
    const summary = summarizePatch(diff);
    const tooLarge = exceedsLimits(summary);
    if (tooLarge) return { kind: 'refused', code: 'patch-size', message: tooLarge };
    await checkPatchPaths(summary, ws);
    await applyPatch(summary, ws);
    return { kind: 'applied' };
  } catch (error) {
    if (error instanceof SmokesError) return { kind: 'refused', code: error.code, message: error.message };
    throw error;
  }
}

/**
 * Runs one case and checks the whole box: untouched when refused, exactly `intended` (workspace-relative
 * changes over the original tree; null deletes) when applied. `expect` says which outcomes are allowed.
 */
async function check(
  name: string,
  files: Record<string, string | Buffer>,
  diff: string,
  o: { allow: 'refused' | 'applied' | 'either'; intended?: Record<string, string | Buffer | null>; message?: RegExp; setup?: (b: { root: string; ws: string }) => Promise<void> },
): Promise<Outcome> {
  const b = await box(files);
  await o.setup?.(b);
  const before = await snapshot(b.root);
  const outcome = await vetAndApply(diff, b.ws);
  const after = await snapshot(b.root);
  figures.tried();
  figures.compared(Object.keys(before).length);
  let expected = before;
  if (outcome.kind === 'applied') {
    expected = { ...before };
    for (const [rel, content] of Object.entries(o.intended ?? {})) {
      const key = join('ws', rel);
      if (content === null) delete expected[key];
      else expected[key] = `${(before[key] ?? '644:').split(':')[0]}:${Buffer.from(content).toString('base64')}`;
    }
  }
  const allowed = o.allow === 'either' || o.allow === outcome.kind;
  if (!allowed) figures.failed('let-through', `${name}: ${outcome.kind} (${outcome.kind === 'refused' ? outcome.message : ''})`);
  if (JSON.stringify(after) !== JSON.stringify(expected)) figures.failed(outcome.kind === 'applied' ? 'let-through' : 'lost', `${name}: the tree is not as it should be after ${outcome.kind}`);
  expect(outcome.kind, `${name}: ${outcome.kind === 'refused' ? outcome.message : 'applied'}`).toBe(o.allow === 'either' ? outcome.kind : o.allow);
  if (outcome.kind === 'refused' && o.message) expect(outcome.message).toMatch(o.message);
  expect(after).toEqual(expected);
  return outcome;
}

const A = 'one\ntwo\nthree\nfour\nfive\n';
const A2 = 'one\ntwo\nTHREE\nfour\nfive\n';
function modify(path: string, from = A, to = A2, headers = { old: `a/${path}`, new: `b/${path}` }): string {
  const p = structuredPatch(headers.old, headers.new, from, to, '', '', { context: 3 });
  const body = p.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  return [`diff --git ${headers.old} ${headers.new}`, `--- ${headers.old}`, `+++ ${headers.new}`, ...body].join('\n') + '\n';
}
function create(path: string, content: string): string {
  const lines = content.split('\n').slice(0, -1);
  return [`diff --git a/${path} b/${path}`, 'new file mode 100644', '--- /dev/null', `+++ b/${path}`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n') + '\n';
}

describe('patches: hand-written hostile and odd cases', () => {
  it('paths that leave the workspace or reach into .git are refused, the tree and the outside untouched', async () => {
    const cases: Array<[string, string]> = [
      ['traversal', create('../outside/evil.txt', 'x\n')],
      ['traversal inside a path', create('src/../../outside/evil.txt', 'x\n')],
      ['traversal with backslashes', create('src\\..\\..\\outside\\evil.txt', 'x\n')],
      ['absolute', create('/tmp/sf-absolute-evil.txt', 'x\n').replace('a//tmp', 'a/tmp').replace('b//tmp', 'b/tmp').replace('+++ b/tmp', '+++ /tmp')],
      ['absolute (header)', ['--- /dev/null', '+++ /etc/sf-evil.conf', '@@ -0,0 +1 @@', '+x', ''].join('\n')],
      ['home', ['--- /dev/null', '+++ ~/.bashrc', '@@ -0,0 +1 @@', '+x', ''].join('\n')],
      ['drive letter', ['--- /dev/null', '+++ C:\\Windows\\evil.txt', '@@ -0,0 +1 @@', '+x', ''].join('\n')],
      ['.git/config', modify('.git/config', '[core]\n\tbare = false\n', '[core]\n\tbare = false\n\thooksPath = /tmp\n')],
      ['.git hook (new file)', create('.git/hooks/pre-commit', '#!/bin/sh\nrm -rf ~\n')],
      ['.GIT in another case', create('.GIT/hooks/post-checkout', 'x\n')],
      ['a nested .git', create('vendor/lib/.git/config', 'x\n')],
      ['.git with a trailing dot', create('.git./config', 'x\n')],
      ['the product\'s own folder', create('.smokes-fixer/state.json', '{}\n')],
      ['a control character', create('a\u0001b.txt', 'x\n')],
    ];
    for (const [name, diff] of cases) {
      await check(name, { 'a.txt': A }, diff, { allow: 'refused' });
    }
    expect(existsSync('/tmp/sf-absolute-evil.txt')).toBe(false);
    expect(existsSync('/etc/sf-evil.conf')).toBe(false);
  });

  it('symlinks out and renames out are refused', async () => {
    const linkOut = async (b: { root: string; ws: string }) => symlink(join(b.root, 'outside'), join(b.ws, 'link'));
    await check('a new file through a symlink out', { 'a.txt': A }, create('link/evil.txt', 'x\n'), { allow: 'refused', setup: linkOut, message: /symbolic link/ });
    await check('a modified file through a symlink out', { 'a.txt': A }, modify('link/sentinel.txt', 'outside\n', 'owned\n'), { allow: 'refused', setup: linkOut });
    await check('a dangling symlink', { 'a.txt': A }, create('dangling/x.txt', 'x\n'), {
      allow: 'refused',
      setup: async (b) => symlink(join(b.root, 'nowhere'), join(b.ws, 'dangling')),
    });
    const renameOut = ['diff --git a/a.txt b/../outside/a.txt', 'similarity index 100%', 'rename from a.txt', 'rename to ../outside/a.txt', ''].join('\n');
    await check('a rename out', { 'a.txt': A }, renameOut, { allow: 'refused' });
    const renameIntoGit = ['diff --git a/a.txt b/.git/a.txt', 'similarity index 100%', 'rename from a.txt', 'rename to .git/a.txt', ''].join('\n');
    await check('a rename into .git', { 'a.txt': A }, renameIntoGit, { allow: 'refused' });
  });

  it('binary hunks and NUL bytes are refused', async () => {
    const gitBinary = ['diff --git a/img.png b/img.png', 'index 1111111..2222222 100644', 'GIT binary patch', 'literal 4', 'LcmZ?wbN>Sa0Dl1!', '', 'literal 0', 'HcmV?d00001', ''].join('\n');
    await check('GIT binary patch', { 'img.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]) }, gitBinary, { allow: 'refused', message: /binary/ });
    await check('Binary files differ', { 'a.txt': A }, 'diff --git a/a.bin b/a.bin\nBinary files a/a.bin and b/a.bin differ\n', { allow: 'refused' });
    await check('a NUL in a hunk', { 'a.txt': A }, modify('a.txt', A, 'one\ntwo\nthr\0ee\nfour\nfive\n'), { allow: 'refused' });
  });

  it('malformed hunks: refused, or exactly the intended change where placement can be tolerant', async () => {
    const good = modify('a.txt');
    const variants: Array<[string, string, 'refused' | 'either']> = [
      ['wrong counts', good.replace('@@ -1,5 +1,5 @@', '@@ -1,7 +1,9 @@'), 'either'],
      ['wrong start line', good.replace('@@ -1,5 +1,5 @@', '@@ -40,5 +40,5 @@'), 'either'],
      ['no numbers at all', good.replace('@@ -1,5 +1,5 @@', '@@ @@'), 'either'],
      ['context that is not in the file', good.replace(' two', ' deux'), 'refused'],
      ['a removed line that is not in the file', good.replace('-three', '-trois'), 'refused'],
      ['a garbage line inside the hunk', good.replace(' four', '?? four'), 'refused'],
      ['a hunk cut short', good.split('\n').slice(0, 6).join('\n') + '\n', 'either'],
      ['no hunk header', good.replace(/^@@.*\n/m, ''), 'refused'],
      ['only prose', 'I think you should change line three.\n', 'refused'],
    ];
    for (const [name, diff, allow] of variants) {
      await check(name, { 'a.txt': A, 'b.txt': 'b\n' }, diff, { allow, intended: { 'a.txt': A2 } });
    }
  });

  it('a diff that names one file and touches another is refused or touches only what it names consistently', async () => {
    const mixed = modify('a.txt').replace('--- a/a.txt', '--- a/b.txt').replace('+++ b/a.txt', '+++ b/b.txt');
    const outcome = await check('headers disagree', { 'a.txt': A, 'b.txt': A }, mixed, { allow: 'either', intended: { 'b.txt': A2 } });
    // When it applies, only one file changed, exactly (checked above); a.txt is never the one silently changed.
    expect(['applied', 'refused']).toContain(outcome.kind);
    const oldNew = modify('a.txt').replace('+++ b/a.txt', '+++ b/c.txt');
    await check('--- names a.txt, +++ names c.txt (a rename without saying so)', { 'a.txt': A }, oldNew, { allow: 'either', intended: { 'a.txt': null, 'c.txt': A2 } });
  });

  it('all or nothing: one bad file in a patch leaves every file untouched', async () => {
    const twoFiles = modify('a.txt') + modify('b.txt', 'x\ny\nz\n', 'x\nY\nz\n');
    await check('second file does not match', { 'a.txt': A, 'b.txt': 'x\nNOT y\nz\n' }, twoFiles, { allow: 'refused' });
    await check('second file does not exist', { 'a.txt': A }, twoFiles, { allow: 'refused' });
    await check('second file is hostile', { 'a.txt': A }, modify('a.txt') + create('../outside/evil.txt', 'x\n'), { allow: 'refused' });
    await check('create over an existing file', { 'a.txt': A, 'new.txt': 'mine\n' }, modify('a.txt') + create('new.txt', 'theirs\n'), { allow: 'refused' });
    await check('a directory as a file', { 'a.txt': A, 'dir/x.txt': 'x\n' }, modify('a.txt') + modify('dir', 'x\n', 'y\n'), { allow: 'refused' });
  });

  it('CRLF, no trailing newline and non-UTF-8 files: applied exactly, or refused untouched', async () => {
    const crlf = A.replace(/\n/g, '\r\n');
    const crlf2 = A2.replace(/\n/g, '\r\n');
    await check('CRLF file, CRLF diff', { 'w.txt': crlf }, modify('w.txt', crlf, crlf2), { allow: 'applied', intended: { 'w.txt': crlf2 } });
    await check('CRLF file, LF diff', { 'w.txt': crlf }, modify('w.txt'), { allow: 'either', intended: { 'w.txt': crlf2 } });
    const noEol = 'one\ntwo\nthree';
    await check('no newline at end of file', { 'n.txt': noEol }, modify('n.txt', noEol, 'one\ntwo\nTHREE'), { allow: 'applied', intended: { 'n.txt': 'one\ntwo\nTHREE' } });
    await check('adding the final newline', { 'n.txt': noEol }, modify('n.txt', noEol, 'one\ntwo\nthree\n'), { allow: 'applied', intended: { 'n.txt': 'one\ntwo\nthree\n' } });
    const latin1 = Buffer.from('caf\xe9\nna\xefve\n', 'latin1');
    await check('a latin-1 file', { 'l.txt': latin1 }, modify('l.txt', 'café\nnaïve\n', 'café\nnaive\n'), { allow: 'refused', message: /not UTF-8/ });
    await check('UTF-8 with a BOM', { 'bom.txt': '\ufeffone\ntwo\n' }, modify('bom.txt', '\ufeffone\ntwo\n', '\ufeffone\nTWO\n'), { allow: 'applied', intended: { 'bom.txt': '\ufeffone\nTWO\n' } });
  });

  it('10 MB: over the line limit refused; one 10 MB line applied exactly', async () => {
    const many = Array.from({ length: 200_000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n') + '\n';
    const outcome = await check('10 MB of new lines', { 'a.txt': A }, create('big.txt', many), { allow: 'refused', message: /too large/ });
    expect(outcome.kind === 'refused' && outcome.code).toBe('patch-size');
    const huge = 'y'.repeat(10 * 1024 * 1024);
    await check('one 10 MB line', { 'a.txt': A }, modify('a.txt', A, `one\ntwo\n${huge}\nfour\nfive\n`), { allow: 'applied', intended: { 'a.txt': `one\ntwo\n${huge}\nfour\nfive\n` } });
  });
});

// ---------------------------------------------------------------------------------------------
// Generated

const fileName = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}\.(py|txt|cfg)$/);
const lineText = fc.stringMatching(/^[ -~]{0,30}$/).filter((l) => !l.startsWith('\\'));
// Lines unique within a file: with repeated context a misplaced hunk can fit elsewhere, and what "the
// intended change" is would be ambiguous.
const fileLines = fc.uniqueArray(lineText, { minLength: 1, maxLength: 15 });
const treeArb = fc.uniqueArray(fc.tuple(fileName, fileLines), { minLength: 1, maxLength: 4, selector: ([n]) => n });
const HOSTILE = ['../outside/x.py', 'a/../../outside/x.py', '/tmp/sf-gen-evil.py', '.git/config', '.git/hooks/x', 'sub/.git/x', '~/x.py', 'C:/x.py', 'link/x.py', '.smokes-fixer/x'];

interface Edit {
  file: number;
  line: number;
  text: string;
}
const editsArb = fc.array(fc.record({ file: fc.nat(), line: fc.nat(), text: lineText }), { minLength: 1, maxLength: 4 });

function applyEdits(tree: Array<[string, string[]]>, edits: Edit[]): Map<string, string> {
  const next = new Map(tree.map(([n, lines]) => [n, [...lines]]));
  for (const e of edits) {
    const [name] = tree[e.file % tree.length]!;
    const lines = next.get(name)!;
    if (!lines.includes(e.text)) lines[e.line % lines.length] = e.text;
  }
  return new Map([...next].map(([n, l]) => [n, l.join('\n') + '\n']));
}

function diffOf(tree: Array<[string, string[]]>, next: Map<string, string>): string {
  return tree
    .map(([n, lines]) => {
      const from = lines.join('\n') + '\n';
      const to = next.get(n)!;
      return from === to ? '' : modify(n, from, to);
    })
    .join('');
}

describe('patches: generated (fast-check)', () => {
  const outcomes = { applied: 0, refused: 0 };

  it('an exact diff applies exactly; with a hostile path swapped in it is refused untouched', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, editsArb, fc.constantFrom(...HOSTILE), fc.nat(), async (tree, edits, hostile, which) => {
        const next = applyEdits(tree, edits);
        const diff = diffOf(tree, next);
        fc.pre(diff !== '');
        const files = Object.fromEntries(tree.map(([n, l]) => [n, l.join('\n') + '\n']));
        const intended = Object.fromEntries([...next].filter(([n, c]) => c !== files[n]));
        const setup = async (b: { root: string; ws: string }) => symlink(join(b.root, 'outside'), join(b.ws, 'link'));
        const o = await check('generated exact', files, diff, { allow: 'applied', intended, setup });
        outcomes[o.kind]++;
        // The same patch with one file's path swapped for a hostile one.
        const names = Object.keys(intended);
        const victim = names[which % names.length]!;
        const hostileDiff = diff.split(`a/${victim}`).join(`a/${hostile}`).split(`b/${victim}`).join(`b/${hostile}`);
        const h = await check(`generated hostile ${hostile}`, files, hostileDiff, { allow: 'refused', setup });
        outcomes[h.kind]++;
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('corrupted counts, start lines or context: refused untouched, or exactly the intended change', async () => {
    await fc.assert(
      fc.asyncProperty(
        treeArb,
        editsArb,
        fc.constantFrom('counts', 'start', 'context', 'drop-line', 'second-file-broken'),
        fc.nat(),
        async (tree, edits, kind, n) => {
          const next = applyEdits(tree, edits);
          const diff = diffOf(tree, next);
          fc.pre(diff !== '');
          const files = Object.fromEntries(tree.map(([name, l]) => [name, l.join('\n') + '\n']));
          const intended = Object.fromEntries([...next].filter(([name, c]) => c !== files[name]));
          let bad = diff;
          let allow: 'either' | 'refused' = 'either';
          const lines = diff.split('\n');
          const hunkLines = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('@@'));
          const bodyLines = lines.map((l, i) => [l, i] as const).filter(([l]) => / |-/.test(l[0] ?? '') && !l.startsWith('---'));
          if (kind === 'counts') {
            const [l, i] = hunkLines[n % hunkLines.length]!;
            lines[i] = l.replace(/,(\d+) @@/, (_m, c: string) => `,${Number(c) + 1 + (n % 3)} @@`);
            bad = lines.join('\n');
          } else if (kind === 'start') {
            const [l, i] = hunkLines[n % hunkLines.length]!;
            lines[i] = l.replace(/^@@ -(\d+)/, (_m, s: string) => `@@ -${Number(s) + 1 + (n % 5)}`);
            bad = lines.join('\n');
          } else if (kind === 'context' && bodyLines.length) {
            const [l, i] = bodyLines[n % bodyLines.length]!;
            lines[i] = `${l[0]}${l.slice(1)}\u00a7never-in-the-file`;
            bad = lines.join('\n');
            allow = 'refused';
          } else if (kind === 'drop-line' && bodyLines.length) {
            lines.splice(bodyLines[n % bodyLines.length]![1], 1);
            bad = lines.join('\n');
          } else if (kind === 'second-file-broken') {
            // A valid change followed by a change to a file that is not there: nothing may be written.
            bad = diff + modify('missing_file.txt', 'a\nb\n', 'a\nc\n');
            allow = 'refused';
          }
          // Dropping a line may leave a valid diff that means something else; only the tree's integrity
          // is asserted for it: refused untouched, or applied to exactly the lines it still says.
          if (kind === 'drop-line') {
            const b = await box(files);
            const before = await snapshot(b.root);
            const o = await vetAndApply(bad, b.ws);
            figures.tried();
            figures.compared(Object.keys(before).length);
            outcomes[o.kind]++;
            const after = await snapshot(b.root);
            if (o.kind === 'refused') {
              if (JSON.stringify(after) !== JSON.stringify(before)) figures.failed('lost', 'drop-line: refused but changed');
              expect(after).toEqual(before);
            } else {
              // Only files the diff names changed, nothing outside the workspace, .git untouched.
              const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
              const named = new Set(Object.keys(intended).map((k) => join('ws', k)));
              if (!changed.every((k) => named.has(k))) figures.failed('let-through', 'drop-line: an unnamed file changed');
              expect(changed.every((k) => named.has(k))).toBe(true);
              expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
            }
            return;
          }
          const o = await check(`generated ${kind}`, files, bad, { allow, intended });
          outcomes[o.kind]++;
        },
      ),
      { numRuns: 80 },
    );
    // Both outcomes were exercised.
    expect(outcomes.applied).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 120_000);
});
