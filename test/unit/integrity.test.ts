import { describe, expect, it } from 'vitest';
import { checkTestIntegrity } from '../../src/core/integrity';
import { summarizePatch } from '../../src/core/patch';

const OPTS = { testFiles: ['tests/smoke/test_api.py'], testDirs: ['tests/smoke'], allowTestEdits: false };

function modify(path: string, removed: string[], added: string[]): string {
  return `--- a/${path}\n+++ b/${path}\n@@ -1,${removed.length + 1} +1,${added.length + 1} @@\n ctx = 1\n${removed.map((l) => `-${l}\n`).join('')}${added.map((l) => `+${l}\n`).join('')}`;
}

function check(diff: string, opts = OPTS) {
  return checkTestIntegrity(summarizePatch(diff), opts);
}

describe('checkTestIntegrity', () => {
  it('lets a code fix through', () => {
    expect(check(modify('src/app.py', ['    return a - b'], ['    return a + b']))).toEqual({ ok: true });
  });

  it.each([
    ['a selected smoke test file', modify('tests/smoke/test_api.py', ['assert x == 1'], ['assert x == 2']), /tests\/smoke\/test_api\.py, a selected smoke test file/],
    ['a file created under the test directory', '--- /dev/null\n+++ b/tests/smoke/test_new.py\n@@ -0,0 +1 @@\n+X = 1\n', /creates tests\/smoke\/test_new\.py, under the smoke test directory/],
    ['a deleted test file', '--- a/tests/smoke/test_api.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-X = 1\n', /deletes tests\/smoke\/test_api\.py/],
    ['any conftest.py', modify('src/conftest.py', ['A = 1'], ['A = 2']), /conftest\.py/],
    ['a test moved away by a rename', 'diff --git a/tests/smoke/test_api.py b/src/t.py\nsimilarity index 100%\nrename from tests/smoke/test_api.py\nrename to src/t.py\n', /renames tests\/smoke\/test_api\.py/],
  ])('refuses %s', (_label, diff, reason) => {
    const verdict = check(diff);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
    expect(!verdict.ok && verdict.reason).toMatch(/allowTestEdits/);
  });

  it('refuses a selected test file outside the test directories too', () => {
    const verdict = check(modify('checks/test_x.py', ['A = 1'], ['A = 2']), { ...OPTS, testFiles: ['./checks/test_x.py'] });
    expect(verdict.ok).toBe(false);
  });

  it.each([
    '@pytest.mark.skip(reason="flaky")',
    '@pytest.mark.skipif(True, reason="no")',
    '@pytest.mark.xfail',
    'pytestmark = pytest.mark.skip',
    '    pytest.skip("later")',
    '    pytest.xfail("known")',
    'requests = pytest.importorskip("requests")',
    '@unittest.skip("broken")',
    '@unittest.expectedFailure',
    '        self.skipTest("nope")',
    '    raise unittest.SkipTest("nope")',
    'from pytest import skip',
    '@mark.xfail',
    '__test__ = False',
  ])('refuses a patch that adds %j anywhere', (line) => {
    const verdict = check(modify('src/app.py', [], [line]));
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(/skipped or xfailed test is not a fixed one/);
    expect(!verdict.ok && verdict.reason).toContain('src/app.py');
  });

  it('does not mistake an existing skip that a patch moves, or words like "skip_header", for an added skip', () => {
    expect(check(modify('src/app.py', ['@pytest.mark.skip(reason="x")', 'def f(): pass'], ['def f(): pass', '@pytest.mark.skip(reason="x")']))).toEqual({ ok: true });
    expect(check(modify('src/reader.py', ['skip_header = False'], ['skip_header = True  # skip the first row']))).toEqual({ ok: true });
    // Removing a skip is fine.
    expect(check(modify('src/app.py', ['pytest.skip("x")'], []))).toEqual({ ok: true });
  });

  it('lets test edits and skips through with allowTestEdits', () => {
    const opts = { ...OPTS, allowTestEdits: true };
    expect(check(modify('tests/smoke/test_api.py', ['assert x == 1'], ['assert x == 2']), opts)).toEqual({ ok: true });
    expect(check(modify('tests/smoke/conftest.py', [], ['@pytest.mark.skip']), opts)).toEqual({ ok: true });
  });
});
