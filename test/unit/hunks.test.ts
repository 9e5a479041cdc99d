// Hunks as language models write them (issue 13), on real files in temp folders: every shape a model gets
// wrong that can still be placed exactly is applied as the correct diff would be; the rest is refused with a
// reason and nothing is written.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { applyPatch, extractDiff, normalisePatch, summarizePatch } from '../../src/core/patch';
import type { SmokesError } from '../../src/core/errors';

const made: string[] = [];
afterEach(async () => {
  while (made.length) await rm(made.pop()!, { recursive: true, force: true });
});

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-hunks-'));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length + 1)] = await readFile(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

/** Normalises against the workspace, then applies what the loop would apply. */
async function applyAsLoop(dir: string, answer: string): Promise<string> {
  const normalised = await normalisePatch(extractDiff(answer)!, dir);
  await applyPatch(summarizePatch(normalised), dir);
  return normalised;
}

async function refusal(dir: string, answer: string): Promise<SmokesError> {
  const before = await tree(dir);
  const error = (await applyAsLoop(dir, answer).then(
    () => null,
    (e: unknown) => e,
  )) as SmokesError | null;
  if (!error) throw new Error('expected a refusal');
  expect(await tree(dir)).toEqual(before); // refusals never half-apply
  return error;
}

const CALC = [
  'def add(a, b):',
  '    return a - b',
  '',
  '',
  'def mul(a, b):',
  '    return a + b',
  '',
  '',
  'def label(x):',
  '    return "x=" + str(x)',
  '',
].join('\n');
const FIXED = CALC.replace('    return a - b', '    return a + b');

/** The same body twice: a helper repeated in two classes. */
const TWICE = ['class A:', '    def size(self):', '        return 0', '', '', 'class B:', '    def size(self):', '        return 0', ''].join('\n');

describe('hunk counts from the body', () => {
  it.each([
    ['too large', '@@ -1,9 +1,9 @@'],
    ['too small', '@@ -1,1 +1,1 @@'],
    ['zero', '@@ -1,0 +1,0 @@'],
    ['old and new swapped', '@@ -1,2 +1,3 @@'],
  ])('applies a hunk whose counts are %s', async (_, header) => {
    const dir = await workspace({ 'calc.py': CALC });
    const answer = `--- a/calc.py\n+++ b/calc.py\n${header}\n def add(a, b):\n-    return a - b\n+    return a + b\n \n`;
    const normalised = await applyAsLoop(dir, answer);
    expect(await readFile(join(dir, 'calc.py'), 'utf8')).toBe(FIXED);
    expect(normalised).toContain('@@ -1,3 +1,3 @@\n');
  });

  it('reads the next file after a hunk with wrong counts', async () => {
    const dir = await workspace({ 'calc.py': CALC, 'other.py': 'X = 1\nY = 2\n' });
    const answer = [
      '--- a/calc.py',
      '+++ b/calc.py',
      '@@ -1,7 +1,7 @@',
      ' def add(a, b):',
      '-    return a - b',
      '+    return a + b',
      '--- a/other.py',
      '+++ b/other.py',
      '@@ -1 +1 @@',
      ' X = 1',
      '-Y = 2',
      '+Y = 3',
      '',
    ].join('\n');
    await applyAsLoop(dir, answer);
    expect(await tree(dir)).toEqual({ 'calc.py': FIXED, 'other.py': 'X = 1\nY = 3\n' });
  });
});

describe('hunks placed by their context and removed lines', () => {
  it('applies a hunk with no line numbers (`@@ @@`) where its text occurs once', async () => {
    const dir = await workspace({ 'calc.py': CALC });
    await applyAsLoop(dir, '--- a/calc.py\n+++ b/calc.py\n@@ @@\n def mul(a, b):\n-    return a + b\n+    return a * b\n');
    expect(await readFile(join(dir, 'calc.py'), 'utf8')).toBe(CALC.replace('    return a + b', '    return a * b'));
  });

  it('applies a hunk whose line numbers are shifted, and writes the true numbers', async () => {
    const dir = await workspace({ 'calc.py': CALC });
    const normalised = await applyAsLoop(dir, '--- a/calc.py\n+++ b/calc.py\n@@ -40,3 +41,3 @@\n def label(x):\n-    return "x=" + str(x)\n+    return f"x={x}"\n');
    expect(await readFile(join(dir, 'calc.py'), 'utf8')).toBe(CALC.replace('"x=" + str(x)', 'f"x={x}"'));
    expect(normalised).toContain('@@ -9,2 +9,2 @@\n def label(x):\n');
  });

  it('takes the occurrence at the stated line when the text occurs several times', async () => {
    const dir = await workspace({ 'shapes.py': TWICE });
    await applyAsLoop(dir, '--- a/shapes.py\n+++ b/shapes.py\n@@ -7,2 +7,2 @@\n     def size(self):\n-        return 0\n+        return 2\n');
    expect(await readFile(join(dir, 'shapes.py'), 'utf8')).toBe(TWICE.replace(/return 0\n$/, 'return 2\n'));
  });

  it('refuses a repeated text when the numbers are not all right, even where a shifted number lands on a copy', async () => {
    const text = `HEAD = 1\n\n\n${TWICE}`;
    const dir = await workspace({ 'shapes.py': text });
    // The first hunk's number is wrong (4 for line 1), which its unique text shows. The second's stated line 5
    // is a copy of its text, but the numbers are guesses now: a nearest-copy rule would change class A.
    const shifted = '--- a/shapes.py\n+++ b/shapes.py\n@@ -4 +4 @@\n-HEAD = 1\n+HEAD = 2\n@@ -5,2 +5,2 @@\n     def size(self):\n-        return 0\n+        return 2\n';
    const error = await refusal(dir, shifted);
    expect(error.message).toContain("hunk 2 of 2 (@@ -5,2 +5,2 @@) is ambiguous: the hunk's context occurs 2 times in shapes.py");
    // The same hunks with every number right apply.
    await applyAsLoop(dir, shifted.replace('@@ -4 +4 @@', '@@ -1 +1 @@').replace('@@ -5,2 +5,2 @@', '@@ -10,2 +10,2 @@'));
    expect(await readFile(join(dir, 'shapes.py'), 'utf8')).toBe(`HEAD = 2\n\n\n${TWICE.replace(/return 0\n$/, 'return 2\n')}`);
  });

  it('refuses a hunk whose text occurs several times when no number decides', async () => {
    const dir = await workspace({ 'shapes.py': TWICE });
    const error = await refusal(dir, '--- a/shapes.py\n+++ b/shapes.py\n@@ @@\n     def size(self):\n-        return 0\n+        return 2\n');
    expect(error.code).toBe('patch-does-not-apply');
    expect(error.message).toContain("ambiguous: the hunk's context occurs 2 times in shapes.py");
  });

  it('refuses a hunk whose text is not in the file, naming the hunk and its first line', async () => {
    const dir = await workspace({ 'calc.py': CALC });
    const error = await refusal(dir, '--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return b - a\n+    return a + b\n');
    expect(error.code).toBe('patch-does-not-apply');
    expect(error.message).toMatch(/calc\.py: hunk 1 of 1 .* does not match: .*"def add\(a, b\):".* do not occur in the file/);
  });

  it('does not match code that differs in anything but trailing whitespace (no fuzzy matching)', async () => {
    const dir = await workspace({ 'calc.py': CALC });
    // Indentation differs: a different line.
    const error = await refusal(dir, '--- a/calc.py\n+++ b/calc.py\n@@ @@\n def add(a, b):\n-  return a - b\n+  return a + b\n');
    expect(error.message).toContain('does not match');
    const spaces = await refusal(dir, '--- a/calc.py\n+++ b/calc.py\n@@ @@\n def add(a,b):\n-    return a - b\n+    return a + b\n');
    expect(spaces.message).toContain('does not match');
  });

  it('refuses added lines without context or removed lines to place them by, numbers or not', async () => {
    const dir = await workspace({ 'calc.py': CALC });
    const error = await refusal(dir, '--- a/calc.py\n+++ b/calc.py\n@@ @@\n+import math\n');
    expect(error.message).toContain('without context or removed lines');
    // A number alone cannot be checked against the file, so it does not place a hunk either.
    const numbered = await refusal(dir, '--- a/calc.py\n+++ b/calc.py\n@@ -2,0 +3 @@\n+import math\n');
    expect(numbered.message).toContain('without context or removed lines');
  });

  it('creates a file from a hunk with or without numbers', async () => {
    const dir = await workspace({});
    await applyAsLoop(dir, '--- /dev/null\n+++ b/new.py\n@@ @@\n+A = 1\n+B = 2\n');
    expect(await readFile(join(dir, 'new.py'), 'utf8')).toBe('A = 1\nB = 2\n');
  });

  it('places hunks in order without overlap, and refuses hunks given out of order', async () => {
    const dir = await workspace({ 'shapes.py': TWICE });
    // Two `@@ @@` hunks with the same text: the first takes the first occurrence, the second the next.
    const both = '--- a/shapes.py\n+++ b/shapes.py\n@@ @@\n class A:\n     def size(self):\n-        return 0\n+        return 1\n@@ @@\n class B:\n     def size(self):\n-        return 0\n+        return 2\n';
    await applyAsLoop(dir, both);
    expect(await readFile(join(dir, 'shapes.py'), 'utf8')).toBe(TWICE.replace('return 0', 'return 1').replace('return 0', 'return 2'));

    const dir2 = await workspace({ 'calc.py': CALC });
    const reversed = '--- a/calc.py\n+++ b/calc.py\n@@ @@\n def mul(a, b):\n-    return a + b\n+    return a * b\n@@ @@\n def add(a, b):\n-    return a - b\n+    return a + b\n';
    const error = await refusal(dir2, reversed);
    expect(error.message).toMatch(/hunk 2 of 2 .*before the previous hunk ends/);
  });

  it('refuses every file when one file of the patch is ambiguous (all files or none)', async () => {
    const dir = await workspace({ 'calc.py': CALC, 'shapes.py': TWICE });
    const answer = [
      '--- a/calc.py',
      '+++ b/calc.py',
      '@@ @@',
      ' def add(a, b):',
      '-    return a - b',
      '+    return a + b',
      '--- /dev/null',
      '+++ b/new.py',
      '@@ @@',
      '+NEW = 1',
      '--- a/shapes.py',
      '+++ b/shapes.py',
      '@@ @@',
      '-        return 0',
      '+        return 3',
      '',
    ].join('\n');
    const error = await refusal(dir, answer);
    expect(error.message).toContain("ambiguous: the hunk's context occurs 2 times in shapes.py");
  });
});

describe('whitespace, line endings and the final newline', () => {
  it('matches context that differs only by trailing whitespace, keeping the file\'s own text', async () => {
    const dir = await workspace({ 'calc.py': CALC.replace('def add(a, b):', 'def add(a, b):   ').replace('\n\n\ndef mul', '\n  \n\ndef mul') });
    const normalised = await applyAsLoop(dir, '--- a/calc.py\n+++ b/calc.py\n@@ -1,3 +1,3 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n\n');
    expect(await readFile(join(dir, 'calc.py'), 'utf8')).toBe(FIXED.replace('def add(a, b):', 'def add(a, b):   ').replace('\n\n\ndef mul', '\n  \n\ndef mul'));
    expect(normalised).toContain(' def add(a, b):   \n');
    expect(normalised).toContain('\n   \n'); // the file's "  " line as context
  });

  it('applies an LF answer to a CRLF file and keeps CRLF, added lines included', async () => {
    const crlf = CALC.replace(/\n/g, '\r\n');
    const dir = await workspace({ 'calc.py': crlf });
    await applyAsLoop(dir, '--- a/calc.py\n+++ b/calc.py\n@@ @@\n def add(a, b):\n-    return a - b\n+    """Sum."""\n+    return a + b\n');
    expect(await readFile(join(dir, 'calc.py'), 'utf8')).toBe(CALC.replace('    return a - b\n', '    """Sum."""\n    return a + b\n').replace(/\n/g, '\r\n'));
  });

  it('applies a CRLF answer to an LF file and keeps LF', async () => {
    const dir = await workspace({ 'calc.py': CALC });
    await applyAsLoop(dir, 'Fix:\r\n```diff\r\n--- a/calc.py\r\n+++ b/calc.py\r\n@@ -1,2 +1,2 @@\r\n def add(a, b):\r\n-    return a - b\r\n+    return a + b\r\n```\r\n');
    expect(await readFile(join(dir, 'calc.py'), 'utf8')).toBe(FIXED);
  });

  it("keeps a file's missing final newline when the answer does not mention it", async () => {
    const dir = await workspace({ 'calc.py': 'def add(a, b):\n    return a - b' });
    const normalised = await applyAsLoop(dir, '--- a/calc.py\n+++ b/calc.py\n@@ @@\n def add(a, b):\n-    return a - b\n+    return a + b\n+# end\n');
    expect(await readFile(join(dir, 'calc.py'), 'utf8')).toBe('def add(a, b):\n    return a + b\n# end');
    // The normalised patch says so, the way git writes it.
    expect(normalised).toContain('-    return a - b\n\\ No newline at end of file\n+    return a + b\n+# end\n\\ No newline at end of file\n');
  });

  it('adds or removes a final newline when the hunk says so', async () => {
    const dir = await workspace({ 'a.py': 'A = 1' });
    await applyAsLoop(dir, '--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-A = 1\n\\ No newline at end of file\n+A = 2\n');
    expect(await readFile(join(dir, 'a.py'), 'utf8')).toBe('A = 2\n');
    await applyAsLoop(dir, '--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-A = 2\n+A = 3\n\\ No newline at end of file\n');
    expect(await readFile(join(dir, 'a.py'), 'utf8')).toBe('A = 3');
    // A marker on both sides says nothing changes at the end: the file's own final newline stays.
    const withNewline = await workspace({ 'b.py': 'A = 1\nB = 1\n' });
    await applyAsLoop(withNewline, '--- a/b.py\n+++ b/b.py\n@@ @@\n-A = 1\n+A = 2\n B = 1\n\\ No newline at end of file\n');
    expect(await readFile(join(withNewline, 'b.py'), 'utf8')).toBe('A = 2\nB = 1\n');
  });
});

describe('headers and the normalised patch', () => {
  it('tolerates missing `diff --git` and `index` lines and writes a full header', async () => {
    const dir = await workspace({ 'src/calc.py': CALC });
    const normalised = await applyAsLoop(dir, '--- src/calc.py\n+++ src/calc.py\n@@ @@\n def add(a, b):\n-    return a - b\n+    return a + b\n');
    expect(normalised).toBe('diff --git a/src/calc.py b/src/calc.py\n--- a/src/calc.py\n+++ b/src/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n');
    expect(await readFile(join(dir, 'src/calc.py'), 'utf8')).toBe(FIXED);
  });

  it('writes a patch that `git apply` accepts and that gives the same files', async () => {
    const files = { 'calc.py': CALC.replace(/\n/g, '\r\n'), 'shapes.py': TWICE, 'tail.py': 'A = 1\nB = 2' };
    const dir = await workspace(files);
    const answer = [
      '```diff',
      '--- a/calc.py',
      '+++ b/calc.py',
      '@@ -3,9 +3,4 @@',
      ' def mul(a, b):',
      '-    return a + b',
      '+    return a * b',
      '--- a/shapes.py',
      '+++ b/shapes.py',
      '@@ -7 +7 @@',
      '     def size(self):',
      '-        return 0',
      '+        return 2',
      '--- a/tail.py',
      '+++ b/tail.py',
      '@@ @@',
      ' B = 2',
      '+C = 3',
      '```',
    ].join('\n');
    const normalised = await normalisePatch(extractDiff(answer)!, dir);
    // git, in a repository of its own holding the same files.
    const repo = await workspace(files);
    execFileSync('git', ['init', '-q'], { cwd: repo });
    await writeFile(join(repo, 'n.patch'), normalised);
    // --unidiff-zero: a hunk keeps the context the answer gave, which may be shorter than git's own three
    // lines; without it git would pin a hunk with no trailing context to the end of the file.
    execFileSync('git', ['apply', '--check', '--unidiff-zero', 'n.patch'], { cwd: repo });
    execFileSync('git', ['apply', '--unidiff-zero', 'n.patch'], { cwd: repo });
    await rm(join(repo, 'n.patch'));
    await rm(join(repo, '.git'), { recursive: true });
    await applyPatch(summarizePatch(normalised), dir);
    expect(await tree(dir)).toEqual(await tree(repo));
    expect((await tree(dir))['tail.py']).toBe('A = 1\nB = 2\nC = 3');
  });

  it('finds a `@@ @@` diff with wrong counts between lines of prose', () => {
    const diff = '--- a/calc.py\n+++ b/calc.py\n@@ @@\n def add(a, b):\n-    return a - b\n+    return a + b\n';
    expect(extractDiff(`Here is the fix.\n${diff}That is all.\n`)).toBe(diff);
    expect(extractDiff(`Fix:\n\`\`\`diff\n${diff}\`\`\`\n`)).toBe(diff);
  });

  it('checks paths before reading any file', async () => {
    const dir = await workspace({ 'calc.py': CALC });
    const error = await refusal(dir, '--- a/../outside.py\n+++ b/../outside.py\n@@ @@\n-x\n+y\n');
    expect(error.code).toBe('patch-refused');
  });
});
