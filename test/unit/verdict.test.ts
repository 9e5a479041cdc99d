import { describe, expect, it } from 'vitest';
import { collectionScope, judgePatch, lostTests } from '../../src/core/verdict';
import type { Failure, PytestRun, TestCaseResult, TestOutcome } from '../../src/core/types';

function runOf(outcomes: Record<string, TestOutcome>, extraFailures: Failure[] = []): PytestRun {
  const tests: TestCaseResult[] = Object.entries(outcomes).map(([nodeid, outcome]) => ({ nodeid, outcome, durationMs: 1 }));
  const failures: Failure[] = tests
    .filter((t) => t.outcome === 'failed' || t.outcome === 'error')
    .map((t) => ({ nodeid: t.nodeid, kind: t.outcome === 'error' ? 'error' : 'failed', exceptionType: 'E', location: null, message: 'm', signature: `${t.nodeid} | E | ? | m` }));
  failures.push(...extraFailures);
  const count = (o: TestOutcome) => tests.filter((t) => t.outcome === o).length;
  return {
    label: 'verification', command: 'pytest', argv: [], cwd: '/', exitCode: failures.length ? 1 : 0, exitMeaning: failures.length ? 'failed' : 'passed',
    tests, failures,
    counts: { passed: count('passed'), failed: count('failed'), errors: count('error'), skipped: count('skipped'), xfailed: count('xfailed'), xpassed: count('xpassed'), deselected: 0, total: tests.length },
    output: '', junitPath: '', collected: tests.map((t) => t.nodeid), durationMs: 1,
  };
}

describe('judgePatch', () => {
  it('keeps a patch that makes a failing test pass without breaking another', () => {
    const v = judgePatch(runOf({ a: 'failed', b: 'failed', c: 'passed' }), runOf({ a: 'passed', b: 'failed', c: 'passed' }));
    expect(v.kind).toBe('fixed');
    expect(v.fixed).toEqual(['a']);
  });

  it('calls it a regression when a passing test now fails, even if the count stays equal', () => {
    const v = judgePatch(runOf({ a: 'failed', c: 'passed' }), runOf({ a: 'passed', c: 'failed' }));
    expect(v.kind).toBe('regression');
    expect(v.newlyFailing).toEqual(['c']);
  });

  it('calls it a regression when failed+errored grows', () => {
    const v = judgePatch(runOf({ a: 'failed' }), runOf({ a: 'failed', d: 'error' }));
    expect(v.kind).toBe('regression');
  });

  it('does not count a test that did not run before (maxfail) as a regression', () => {
    const v = judgePatch(runOf({ a: 'failed', b: 'failed', c: 'failed' }), runOf({ a: 'passed', b: 'failed', c: 'failed' }));
    expect(v.kind).toBe('fixed');
    const w = judgePatch(runOf({ a: 'failed', b: 'failed', c: 'failed' }), runOf({ a: 'failed', b: 'failed', c: 'passed', d: 'failed' }));
    expect(w.kind).toBe('fixed');
  });

  it('never counts a failure turned into a skip or xfail as a fix', () => {
    const v = judgePatch(runOf({ a: 'failed', b: 'passed' }), runOf({ a: 'skipped', b: 'passed' }));
    expect(v.kind).toBe('no-change');
    expect(v.turnedIntoSkips).toEqual(['a']);
    const x = judgePatch(runOf({ a: 'failed' }), runOf({ a: 'xfailed' }));
    expect(x.kind).toBe('no-change');
  });
});

describe('lostTests', () => {
  it('finds baseline tests that were skipped or not run at the end', () => {
    expect(lostTests(runOf({ a: 'failed', b: 'passed', s: 'skipped' }), runOf({ a: 'passed', s: 'skipped' }))).toEqual(['b']);
    expect(lostTests(runOf({ a: 'failed', b: 'passed' }), runOf({ a: 'skipped', b: 'passed' }))).toEqual(['a']);
    expect(lostTests(runOf({ a: 'failed', b: 'passed' }), runOf({ a: 'passed', b: 'passed' }))).toEqual([]);
  });

  it('does not count a collection error module as a lost test', () => {
    const coll: Failure = { nodeid: 'tests/smoke/test_m.py', kind: 'collection-error', exceptionType: 'NameError', location: null, message: 'x', signature: 's' };
    const baseline = runOf({ 'tests/smoke/test_m.py': 'error' });
    baseline.failures = [coll];
    expect(lostTests(baseline, runOf({ 'tests/smoke/test_m.py::t': 'passed' }))).toEqual([]);
  });
});

describe('judgePatch on collection errors (PRODUCT.md 24)', () => {
  const collectionError = (nodeid: string): Failure => ({ nodeid, kind: 'collection-error', exceptionType: 'NameError', location: null, message: 'x', signature: `${nodeid} | NameError | ? | x` });
  const broken = (nodeid: string, others: Record<string, TestOutcome> = {}) => {
    const run = runOf({ ...others, [nodeid]: 'error' });
    run.failures = [...run.failures.filter((f) => f.nodeid !== nodeid), collectionError(nodeid)];
    run.collected = Object.keys(others);
    return run;
  };

  it('counts a collection error as fixed when its module collects, and its failing tests as new failures', () => {
    const before = broken('tests/smoke/test_m.py', { 'tests/smoke/test_o.py::a': 'passed' });
    const after = runOf({ 'tests/smoke/test_m.py::x': 'failed', 'tests/smoke/test_m.py::y': 'failed', 'tests/smoke/test_o.py::a': 'passed' });
    const v = judgePatch(before, after);
    expect(v.kind).toBe('fixed');
    expect(v.fixed).toEqual(['tests/smoke/test_m.py']);
    expect(v.failedAfter).toBe(0);
    expect(v.explanation).toMatch(/test_m\.py collects now; 2 of its tests fail/);
  });

  it('still calls a test elsewhere that passed and now fails a regression', () => {
    const before = broken('tests/smoke/test_m.py', { 'tests/smoke/test_o.py::a': 'passed' });
    const after = runOf({ 'tests/smoke/test_m.py::x': 'passed', 'tests/smoke/test_o.py::a': 'failed' });
    expect(judgePatch(before, after).kind).toBe('regression');
  });

  it('is no change while the module still fails to collect, whatever the message', () => {
    const before = broken('tests/smoke/test_m.py');
    const after = broken('tests/smoke/test_m.py');
    after.failures = [{ ...collectionError('tests/smoke/test_m.py'), message: 'other', signature: 'other' }];
    expect(judgePatch(before, after).kind).toBe('no-change');
  });

  it('sees a module collect through the plugin even when none of its tests is selected', () => {
    const before = broken('tests/smoke/test_m.py');
    const after = runOf({});
    expect(judgePatch(before, after).kind).toBe('no-change');
    after.collectedFiles = ['tests', 'tests/smoke', 'tests/smoke/test_m.py'];
    expect(judgePatch(before, after).kind).toBe('fixed');
  });

  it('scopes a conftest.py error to its folder, the root one to everything', () => {
    expect(collectionScope('tests/smoke/conftest.py')('tests/smoke/test_a.py::t')).toBe(true);
    expect(collectionScope('tests/smoke/conftest.py')('tests/other/test_a.py::t')).toBe(false);
    expect(collectionScope('conftest.py')('tests/other/test_a.py::t')).toBe(true);
    expect(collectionScope('tests/smoke/test_m.py')('tests/smoke/test_m.py::t[1]')).toBe(true);
    expect(collectionScope('tests/smoke/test_m.py')('tests/smoke/test_m2.py::t')).toBe(false);
    expect(collectionScope('tests/pkg')('tests/pkg/test_a.py::t')).toBe(true);
    const before = broken('tests/smoke/conftest.py');
    const after = runOf({ 'tests/smoke/test_a.py::t': 'failed', 'tests/smoke/test_b.py::t': 'passed' });
    const v = judgePatch(before, after);
    expect(v.kind).toBe('fixed');
    expect(v.fixed).toEqual(['tests/smoke/conftest.py']);
  });
});
