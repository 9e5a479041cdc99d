// Test integrity (PRODUCT.md 17): the loop fixes code, not the tests that judge it.

import { posix } from 'node:path';
import { parsePatch } from 'diff';
import type { PatchSummary } from './types';

export type IntegrityVerdict = { ok: true } | { ok: false; reason: string };

/** Ways Python code turns a failing test into a skipped or expected-to-fail one. */
const SKIP_PATTERNS: Array<{ label: string; re: RegExp }> = [
  { label: 'a skip/skipif/xfail mark', re: /\bmark\s*\.\s*(skip|skipif|xfail)\b/g },
  { label: 'pytest.skip/xfail/importorskip', re: /\bpytest\s*\.\s*(skip|xfail|importorskip)\b/g },
  { label: 'a unittest skip', re: /\bunittest\s*\.\s*(skip|skipIf|skipUnless|expectedFailure|SkipTest)\b/g },
  { label: 'skipTest/SkipTest', re: /\b(skipTest|SkipTest)\b/g },
  { label: 'importorskip', re: /\bimportorskip\b/g },
  { label: 'a skip decorator', re: /^\s*@\s*(skip|skipif|xfail|skipIf|skipUnless|expectedFailure)\b/g },
  { label: 'a skip import', re: /\bfrom\s+(pytest|unittest)\s+import\b[^#\n]*\b(skip|skipif|xfail|importorskip|skipIf|skipUnless|expectedFailure)\b/g },
  { label: '`__test__ = False`', re: /\b__test__\s*=\s*False\b/g },
];

function norm(path: string): string {
  return posix.normalize(path.replace(/\\/g, '/')).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function count(re: RegExp, lines: string[]): number {
  let n = 0;
  for (const line of lines) n += [...line.matchAll(re)].length;
  return n;
}

/**
 * Refuses, unless `allowTestEdits`, a patch that edits, creates or deletes a selected smoke test file,
 * anything under the test directories or any `conftest.py`, or that adds a skip/xfail anywhere. Paths are
 * workspace-relative.
 */
export function checkTestIntegrity(
  summary: PatchSummary,
  opts: { testFiles: string[]; testDirs: string[]; allowTestEdits: boolean },
): IntegrityVerdict {
  if (opts.allowTestEdits) return { ok: true };
  const hint = 'The loop fixes code, not the tests that judge it; the `allowTestEdits` setting permits test edits.';
  const testFiles = new Set(opts.testFiles.map(norm));
  const testDirs = opts.testDirs.map(norm).filter((d) => d !== '' && d !== '.');

  for (const file of summary.files) {
    for (const raw of [file.oldPath, file.newPath]) {
      if (raw === null) continue;
      const path = norm(raw);
      const verb = file.status === 'created' ? 'creates' : file.status === 'deleted' ? 'deletes' : file.status === 'renamed' ? 'renames' : 'edits';
      if (posix.basename(path) === 'conftest.py') {
        return { ok: false, reason: `The patch ${verb} ${path}, a conftest.py. ${hint}` };
      }
      if (testFiles.has(path)) {
        return { ok: false, reason: `The patch ${verb} ${path}, a selected smoke test file. ${hint}` };
      }
      const dir = testDirs.find((d) => path === d || path.startsWith(`${d}/`));
      if (dir) {
        return { ok: false, reason: `The patch ${verb} ${path}, under the smoke test directory ${dir}/. ${hint}` };
      }
    }
  }

  // Added skips anywhere: compare each pattern's count on added lines with removed lines, per file, so
  // moving an existing skip mark is not mistaken for adding one.
  let parsed: Array<{ newFileName?: string; oldFileName?: string; hunks: Array<{ lines: string[] }> }>;
  try {
    parsed = parsePatch(summary.diff);
  } catch {
    // Unparseable here: read every +/- line as one file rather than let a skip through unchecked.
    const lines = summary.diff.split('\n').filter((l) => !l.startsWith('+++ ') && !l.startsWith('--- '));
    parsed = [{ newFileName: 'the patch', hunks: [{ lines }] }];
  }
  const added: string[] = [];
  for (const p of parsed) {
    const plus: string[] = [];
    const minus: string[] = [];
    for (const h of p.hunks) {
      for (const l of h.lines) {
        if (l.startsWith('+')) plus.push(l.slice(1));
        else if (l.startsWith('-')) minus.push(l.slice(1));
      }
    }
    const name = norm((p.newFileName && p.newFileName !== '/dev/null' ? p.newFileName : p.oldFileName ?? '').replace(/^b\//, ''));
    for (const { label, re } of SKIP_PATTERNS) {
      if (count(re, plus) > count(re, minus)) {
        const line = plus.find((l) => l.match(re))!.trim();
        added.push(`${label} in ${name}: ${JSON.stringify(line.slice(0, 120))}`);
        break;
      }
    }
  }
  if (added.length > 0) {
    return {
      ok: false,
      reason: `The patch adds ${added[0]}; a skipped or xfailed test is not a fixed one. ${hint}`,
    };
  }
  return { ok: true };
}
