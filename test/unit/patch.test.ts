import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applyPatch, checkPatchPaths, exceedsLimits, extractDiff, summarizePatch } from '../../src/core/patch';
import { SmokesError } from '../../src/core/errors';
import type { PatchSummary } from '../../src/core/types';

const MODIFY = `diff --git a/src/calc.py b/src/calc.py
index 1111111..2222222 100644
--- a/src/calc.py
+++ b/src/calc.py
@@ -1,3 +1,3 @@
 def add(a, b):
-    return a - b
+    return a + b
 
`;

// Expected file modes below are written for the common umask.
beforeAll(() => {
  process.umask(0o022);
});

const made: string[] = [];
afterEach(async () => {
  while (made.length) await rm(made.pop()!, { recursive: true, force: true });
});

async function workspace(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-patch-'));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

async function snapshotOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string, prefix: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const rel = prefix + e.name;
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}/`);
      else out[rel] = `${((await stat(join(d, e.name))).mode & 0o777).toString(8)}:${await readFile(join(d, e.name), 'utf8')}`;
    }
  }
  await walk(dir, '');
  return out;
}

function thrown(fn: () => unknown): SmokesError {
  try {
    fn();
  } catch (error) {
    return error as SmokesError;
  }
  throw new Error('expected a throw');
}

function summaryFor(paths: Array<string | null>, status: 'modified' | 'created' = 'modified'): PatchSummary {
  return {
    diff: '',
    files: paths.map((p) => ({ oldPath: status === 'created' ? null : p, newPath: p, status, added: 1, removed: 0 })),
    fileCount: paths.length,
    changedLines: paths.length,
  };
}

/** A patch of `files` files, each adding `lines` lines to a new file. */
function bigPatch(files: number, lines: number): string {
  let out = '';
  for (let f = 0; f < files; f++) {
    out += `--- /dev/null\n+++ b/f${f}.py\n@@ -0,0 +1,${lines} @@\n`;
    for (let l = 0; l < lines; l++) out += `+x${l} = ${l}\n`;
  }
  return out;
}

describe('extractDiff', () => {
  it('takes a bare diff as it is', () => {
    expect(extractDiff(MODIFY)).toBe(MODIFY);
  });

  it('takes the diff out of a fence with prose around it', () => {
    const answer = `Here is the fix:\n\n\`\`\`diff\n${MODIFY}\`\`\`\n\nThis makes add() add.`;
    expect(extractDiff(answer)).toBe(MODIFY);
  });

  it('accepts patch and unlabelled fences, skips fences that are not diffs and joins several diff fences', () => {
    const second = `--- a/b.py\n+++ b/b.py\n@@ -1 +1 @@\n-B = 1\n+B = 2\n`;
    const answer = `Some code first:\n\`\`\`python\nprint("not a diff")\n\`\`\`\nPart one:\n\`\`\`patch\n${MODIFY}\`\`\`\nPart two:\n\`\`\`\n${second}\`\`\`\n`;
    expect(extractDiff(answer)).toBe(MODIFY + second);
  });

  it('finds a bare diff between lines of prose and stops where the hunks end', () => {
    const answer = `I changed one line.\n${MODIFY}That should do it.\nThanks!`;
    expect(extractDiff(answer)).toBe(MODIFY);
  });

  it('reads an answer with CRLF line endings', () => {
    const answer = 'Fix:\r\n```diff\r\n--- a/x.py\r\n+++ b/x.py\r\n@@ -1 +1 @@\r\n-A = 1\r\n+A = 2\r\n```\r\nDone.\r\n';
    const diff = extractDiff(answer)!;
    expect(diff.startsWith('--- a/x.py')).toBe(true);
    expect(summarizePatch(diff).files[0]).toMatchObject({ oldPath: 'x.py', newPath: 'x.py', added: 1, removed: 1 });
  });

  it('returns null when there is no diff', () => {
    expect(extractDiff('I could not find the problem.')).toBeNull();
    expect(extractDiff('```python\nprint(1)\n```')).toBeNull();
    expect(extractDiff('```diff\njust words\n```')).toBeNull();
    expect(extractDiff('')).toBeNull();
  });
});

describe('summarizePatch', () => {
  it('counts a modified file and its changed lines', () => {
    const s = summarizePatch(MODIFY);
    expect(s.fileCount).toBe(1);
    expect(s.changedLines).toBe(2);
    expect(s.files).toEqual([{ oldPath: 'src/calc.py', newPath: 'src/calc.py', status: 'modified', added: 1, removed: 1 }]);
  });

  it('counts created, deleted and renamed files, with and without hunks', () => {
    const diff = [
      'diff --git a/new.py b/new.py',
      'new file mode 100755',
      'index 0000000..1111111',
      '--- /dev/null',
      '+++ b/new.py',
      '@@ -0,0 +1,2 @@',
      '+#!/usr/bin/env python3',
      '+print("new")',
      'diff --git a/old.py b/old.py',
      'deleted file mode 100644',
      'index 1111111..0000000',
      '--- a/old.py',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-OLD = 1',
      'diff --git a/pkg/a.py b/pkg/b.py',
      'similarity index 100%',
      'rename from pkg/a.py',
      'rename to pkg/b.py',
      'diff --git a/x.py b/y.py',
      'similarity index 80%',
      'rename from x.py',
      'rename to y.py',
      '--- a/x.py',
      '+++ b/y.py',
      '@@ -1,2 +1,2 @@',
      ' A = 1',
      '-B = 1',
      '+B = 2',
      'diff --git a/empty.txt b/empty.txt',
      'new file mode 100644',
      'index 0000000..e69de29',
      '',
    ].join('\n');
    const s = summarizePatch(diff);
    expect(s.fileCount).toBe(5);
    expect(s.changedLines).toBe(2 + 1 + 0 + 2 + 0);
    expect(s.files.map((f) => [f.status, f.oldPath, f.newPath])).toEqual([
      ['created', null, 'new.py'],
      ['deleted', 'old.py', null],
      ['renamed', 'pkg/a.py', 'pkg/b.py'],
      ['renamed', 'x.py', 'y.py'],
      ['created', null, 'empty.txt'],
    ]);
  });

  it('reads plain diffs without a/ b/ prefixes and with timestamps', () => {
    const s = summarizePatch('--- calc.py\t2024-01-01 00:00:00\n+++ calc.py\t2024-01-02 00:00:00\n@@ -1 +1 @@\n-A\n+B\n');
    expect(s.files[0]).toMatchObject({ oldPath: 'calc.py', newPath: 'calc.py', status: 'modified' });
  });

  it('reads the prefixes real git writes: reversed by `git diff -R`, mnemonic ones, and none', async () => {
    // Real git, so the headers are what a producer that shells out to git prints.
    const dir = await workspace({ 'pkg/calc.py': 'A = 1\n', 'gone.py': 'G = 1\n' });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    await writeFile(join(dir, 'pkg/calc.py'), 'A = 2\n');
    await rm(join(dir, 'gone.py'));
    await writeFile(join(dir, 'new.py'), 'N = 1\n');
    git('add', '-A');
    const forms = {
      reversed: git('diff', '--cached', '-R'),
      mnemonic: git('-c', 'diff.mnemonicPrefix=true', 'diff', '--cached'),
      noPrefix: git('diff', '--cached', '--no-prefix'),
    };
    expect(forms.reversed).toMatch(/^--- b\/pkg\/calc\.py$/m);
    expect(forms.mnemonic).toMatch(/^--- c\/pkg\/calc\.py$/m);
    for (const [form, diff] of Object.entries(forms)) {
      const files = summarizePatch(diff).files.map((f) => [f.status, f.oldPath, f.newPath]).sort((x, y) => String(x[2] ?? x[1]).localeCompare(String(y[2] ?? y[1])));
      const expected = form === 'reversed'
        ? [['created', null, 'gone.py'], ['deleted', 'new.py', null], ['modified', 'pkg/calc.py', 'pkg/calc.py']]
        : [['deleted', 'gone.py', null], ['created', null, 'new.py'], ['modified', 'pkg/calc.py', 'pkg/calc.py']];
      expect(files, form).toEqual(expected);
    }
    // The reversed diff, applied to the changed tree, gives the committed tree back, as `git apply` does.
    git('reset', '-q');
    await applyPatch(summarizePatch(forms.reversed), dir);
    expect(git('status', '--porcelain')).toBe('');
  });

  it('keeps a leading folder named like a prefix when the patch has no prefixes', () => {
    const s = summarizePatch('--- a/x.py\n+++ a/x.py\n@@ -1 +1 @@\n-A\n+B\n');
    expect(s.files[0]).toMatchObject({ oldPath: 'a/x.py', newPath: 'a/x.py' });
  });

  it('refuses binary patches', () => {
    const gitBinary = 'diff --git a/x.bin b/x.bin\nindex 1..2 100644\nGIT binary patch\nliteral 3\nKcmZ?wX8-{A0RRAO\n\n';
    expect(thrown(() => summarizePatch(gitBinary)).code).toBe('patch-refused');
    const binaryFiles = 'diff --git a/x.png b/x.png\nindex 1..2 100644\nBinary files a/x.png and b/x.png differ\n';
    expect(thrown(() => summarizePatch(binaryFiles)).code).toBe('patch-refused');
  });

  it('takes hunk counts from the body, not from the header', () => {
    const wrongCount = '--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n-A\n+B\n+C\n';
    expect(summarizePatch(wrongCount)).toMatchObject({ fileCount: 1, changedLines: 3, files: [{ added: 2, removed: 1 }] });
  });

  it('refuses malformed diffs with a clear message', () => {
    const prose = '--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-A\n+B\nThis line is prose.\n';
    const e = thrown(() => summarizePatch(prose));
    expect(e).toBeInstanceOf(SmokesError);
    expect(e.code).toBe('patch-invalid');
    expect(e.message).toMatch(/malformed/);
    expect(thrown(() => summarizePatch('@@ -1 +1 @@\n-A\n+B\n')).code).toBe('patch-invalid');
    expect(thrown(() => summarizePatch('hello\nworld\n')).code).toBe('patch-invalid');
    expect(thrown(() => summarizePatch('--- a/x.py\n+++ b/x.py\n')).code).toBe('patch-invalid');
  });
});

describe('exceedsLimits', () => {
  it('allows 5 files and 200 lines, refuses one more of either', () => {
    expect(exceedsLimits(summarizePatch(bigPatch(5, 40)))).toBeNull(); // 5 files, 200 lines: at the edge
    expect(exceedsLimits(summarizePatch(bigPatch(6, 1)))).toMatch(/6 files \(limit 5\)/);
    expect(exceedsLimits(summarizePatch(bigPatch(1, 201)))).toMatch(/201 lines \(limit 200\)/);
    expect(exceedsLimits(summarizePatch(bigPatch(1, 200)))).toBeNull();
    expect(exceedsLimits(summarizePatch(bigPatch(6, 40)))).toMatch(/6 files.*240 lines/);
  });
});

describe('checkPatchPaths', () => {
  it('accepts ordinary paths inside the workspace', async () => {
    const dir = await workspace({ 'src/a.py': 'A\n' });
    await expect(checkPatchPaths(summaryFor(['src/a.py', 'src/new/b.py', 'docs/../src/c.py']), dir)).resolves.toBeUndefined();
  });

  it.each([
    ['/etc/passwd', /absolute/],
    ['../outside.py', /leaves the workspace/],
    ['src/../../outside.py', /leaves the workspace/],
    ['.git/config', /\.git/],
    ['sub/.GIT/x', /\.git/],
    ['.git/hooks/pre-commit', /\.git/],
    ['.smokes-fixer/git/HEAD', /\.smokes-fixer/],
    ['src/a\u0000.py', /control characters/],
    ['src/a\n.py', /control characters/],
  ])('refuses %j', async (path, why) => {
    const dir = await workspace();
    const error = await checkPatchPaths(summaryFor([path]), dir).catch((e: unknown) => e as SmokesError);
    expect(error).toBeInstanceOf(SmokesError);
    expect((error as SmokesError).code).toBe('patch-refused');
    expect((error as SmokesError).message).toContain(JSON.stringify(path));
    expect((error as SmokesError).message).toMatch(why);
  });

  it('refuses a path through a symlink that leaves the workspace, but not one that stays inside', async () => {
    const outside = await workspace({ 'secret.py': 'S\n' });
    const dir = await workspace({ 'real/a.py': 'A\n' });
    await symlink(outside, join(dir, 'escape'));
    await symlink(join(dir, 'real'), join(dir, 'inside'));
    await symlink(join(outside, 'secret.py'), join(dir, 'file-link.py'));
    const err = await checkPatchPaths(summaryFor(['escape/secret.py']), dir).catch((e: unknown) => e as SmokesError);
    expect(err).toMatchObject({ code: 'patch-refused' });
    expect((err as SmokesError).message).toMatch(/symbolic link that leaves the workspace/);
    await expect(checkPatchPaths(summaryFor(['escape/new/dir/x.py'], 'created'), dir)).rejects.toMatchObject({ code: 'patch-refused' });
    await expect(checkPatchPaths(summaryFor(['file-link.py']), dir)).rejects.toMatchObject({ code: 'patch-refused' });
    await expect(checkPatchPaths(summaryFor(['inside/a.py']), dir)).resolves.toBeUndefined();
  });
});

describe('applyPatch', () => {
  it('modifies, creates (with mode), deletes and renames files', async () => {
    const dir = await workspace({
      'src/calc.py': 'def add(a, b):\n    return a - b\n\n',
      'old.py': 'OLD = 1\n',
      'x.py': 'A = 1\nB = 1\n',
    });
    const diff = [
      MODIFY.slice(0, -1),
      'diff --git a/tools/run.sh b/tools/run.sh',
      'new file mode 100755',
      '--- /dev/null',
      '+++ b/tools/run.sh',
      '@@ -0,0 +1,2 @@',
      '+#!/bin/sh',
      '+echo ok',
      'diff --git a/old.py b/old.py',
      'deleted file mode 100644',
      '--- a/old.py',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-OLD = 1',
      'diff --git a/x.py b/pkg/y.py',
      'rename from x.py',
      'rename to pkg/y.py',
      '--- a/x.py',
      '+++ b/pkg/y.py',
      '@@ -1,2 +1,2 @@',
      ' A = 1',
      '-B = 1',
      '+B = 2',
      '',
    ].join('\n');
    const result = await applyPatch(summarizePatch(diff), dir);
    expect(result.files.sort()).toEqual(['old.py', 'pkg/y.py', 'src/calc.py', 'tools/run.sh', 'x.py']);
    const after = await snapshotOf(dir);
    expect(after['src/calc.py']).toBe('644:def add(a, b):\n    return a + b\n\n');
    expect(after['tools/run.sh']).toBe('755:#!/bin/sh\necho ok\n');
    expect(after['pkg/y.py']).toBe('644:A = 1\nB = 2\n');
    expect(after['old.py']).toBeUndefined();
    expect(after['x.py']).toBeUndefined();
  });

  it('keeps CRLF line endings, a missing final newline and the executable bit', async () => {
    const dir = await workspace({ 'win.py': 'A = 1\r\nB = 1\r\nC = 1' });
    await chmod(join(dir, 'win.py'), 0o755);
    const diff = '--- a/win.py\n+++ b/win.py\n@@ -1,3 +1,3 @@\n A = 1\n-B = 1\n+B = 2\n C = 1\n\\ No newline at end of file\n';
    await applyPatch(summarizePatch(diff), dir);
    expect(await readFile(join(dir, 'win.py'), 'utf8')).toBe('A = 1\r\nB = 2\r\nC = 1');
    expect((await stat(join(dir, 'win.py'))).mode & 0o777).toBe(0o755);
  });

  it('writes nothing when any file of the patch does not apply, and names the file and hunk', async () => {
    const files = { 'a.py': 'A = 1\n', 'b.py': 'B = 1\nC = 1\nD = 1\nE = 1\nF = 1\nG = 1\nH = 1\nI = 1\n' };
    const dir = await workspace(files);
    const before = await snapshotOf(dir);
    const diff = [
      '--- a/a.py',
      '+++ b/a.py',
      '@@ -1 +1 @@',
      '-A = 1',
      '+A = 2',
      '--- /dev/null',
      '+++ b/c.py',
      '@@ -0,0 +1 @@',
      '+C = 1',
      '--- a/b.py',
      '+++ b/b.py',
      '@@ -1,2 +1,2 @@',
      ' B = 1',
      '-C = 1',
      '+C = 2',
      '@@ -7,2 +7,2 @@',
      ' H = 1',
      '-I = 99',
      '+I = 2',
      '',
    ].join('\n');
    const error = (await applyPatch(summarizePatch(diff), dir).catch((e: unknown) => e)) as SmokesError;
    expect(error).toMatchObject({ code: 'patch-does-not-apply' });
    expect(error.message).toContain('b.py');
    expect(error.message).toContain('hunk 2 of 2');
    expect(await snapshotOf(dir)).toEqual(before);
    expect(existsSync(join(dir, 'c.py'))).toBe(false);
  });

  it('refuses to create a file that exists or change one that does not, and checks without writing', async () => {
    const dir = await workspace({ 'a.py': 'A = 1\n' });
    await expect(applyPatch(summarizePatch('--- /dev/null\n+++ b/a.py\n@@ -0,0 +1 @@\n+A = 2\n'), dir)).rejects.toMatchObject({ code: 'patch-does-not-apply' });
    await expect(applyPatch(summarizePatch('--- a/nope.py\n+++ b/nope.py\n@@ -1 +1 @@\n-A\n+B\n'), dir)).rejects.toMatchObject({ code: 'patch-does-not-apply' });
    const checked = await applyPatch(summarizePatch('--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-A = 1\n+A = 2\n'), dir, { check: true });
    expect(checked.files).toEqual(['a.py']);
    expect(await readFile(join(dir, 'a.py'), 'utf8')).toBe('A = 1\n');
  });

  it('refuses hostile paths before writing', async () => {
    const dir = await workspace();
    await expect(applyPatch(summarizePatch('--- /dev/null\n+++ b/.git/hooks/post-checkout\n@@ -0,0 +1 @@\n+evil\n'), dir)).rejects.toMatchObject({ code: 'patch-refused' });
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });

  it('stops before writing when cancelled', async () => {
    const dir = await workspace({ 'a.py': 'A = 1\n' });
    const controller = new AbortController();
    controller.abort();
    await expect(applyPatch(summarizePatch('--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-A = 1\n+A = 2\n'), dir, { signal: controller.signal })).rejects.toThrow();
    expect(await readFile(join(dir, 'a.py'), 'utf8')).toBe('A = 1\n');
  });
});
