import { describe, expect, it } from 'vitest';
import { judgePatch, lostTests } from '../../src/core/verdict';
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
