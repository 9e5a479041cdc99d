import { describe, expect, it } from 'vitest';
import type { JUnitCase, JUnitReport } from '../../src/core/junit';
import { summarizeRecords, type PluginRecord } from '../../src/core/pluginReport';
import { assembleRun, junitAddress } from '../../src/core/pytestRunner';

// The join of JUnit cases with the plugin's node ids: most cases come in the collected order and are
// matched in place; the rest (shuffled, deselected, reported twice, unknown) by address.

const NODEIDS = [
  'tests/smoke/test_a.py::test_one',
  'tests/smoke/test_a.py::test_two[x-1]',
  'tests/smoke/test_a.py::TestGroup::test_three',
  'tests/smoke/test_b.py::test_param[a::b]',
  'tests/smoke/test_b.py::test_param[a[0]]',
  'tests/smoke/test_b.py::test_x',
  'tests/smoke/test_c[1].py::test_y',
  'tests/smoke/test_d.py:::test_colon',
];

function caseOf(nodeid: string, outcome: JUnitCase['outcome'] = 'passed', extra: Partial<JUnitCase> = {}): JUnitCase {
  return { ...junitAddress(nodeid), time: 0.002, outcome, ...extra };
}

function summaryOf(collected: string[], records: PluginRecord[] = []) {
  return summarizeRecords([
    { type: 'collected', items: collected.map((nodeid, i) => ({ nodeid, file: nodeid.split('::')[0], line: i + 1 })) },
    ...records,
  ]);
}

function report(cases: JUnitCase[]): JUnitReport {
  return { cases, totals: { tests: cases.length, failures: 0, errors: 0, skipped: 0, time: 0 } };
}

describe('assembleRun', () => {
  it('gives each case its node id and location, in the collected order or any other', () => {
    const inOrder = assembleRun(report(NODEIDS.map((n) => caseOf(n))), summaryOf(NODEIDS));
    expect(inOrder.tests.map((t) => t.nodeid)).toEqual(NODEIDS);
    expect(inOrder.tests.map((t) => t.location)).toEqual(NODEIDS.map((n, i) => ({ file: n.split('::')[0], line: i + 1 })));
    expect(inOrder.counts).toMatchObject({ passed: NODEIDS.length, total: NODEIDS.length });

    const shuffled = [5, 2, 7, 0, 3, 6, 1, 4].map((i) => NODEIDS[i]);
    const out = assembleRun(report(shuffled.map((n) => caseOf(n))), summaryOf(NODEIDS));
    expect(out.tests.map((t) => t.nodeid)).toEqual(shuffled);
    expect(out.tests.find((t) => t.nodeid === NODEIDS[3])?.location).toEqual({ file: 'tests/smoke/test_b.py', line: 4 });
  });

  it('skips collected tests that did not run, merges a test reported twice, and guesses an unknown one', () => {
    const ran = [NODEIDS[0], NODEIDS[3], NODEIDS[6]];
    const cases = [
      caseOf(ran[0]),
      caseOf(ran[1], 'failed', { message: 'assert 1 == 2', text: 'E   assert 1 == 2' }),
      caseOf(ran[1], 'error', { message: 'teardown', text: 'E   boom' }),
      caseOf(ran[2], 'skipped'),
      { classname: 'tests.other', name: 'test_z', time: 0, outcome: 'passed' as const },
    ];
    const out = assembleRun(report(cases), summaryOf(NODEIDS));
    expect(out.tests.map((t) => [t.nodeid, t.outcome])).toEqual([
      [ran[0], 'passed'],
      [ran[1], 'failed'],
      [ran[2], 'skipped'],
      ['tests.other::test_z', 'passed'],
    ]);
    // The failure counts, not the teardown error reported after it.
    expect(out.tests[1]).toMatchObject({ message: 'assert 1 == 2', text: 'E   assert 1 == 2', durationMs: 2 });
    expect(out.tests[3].location).toBeUndefined();
    expect(out.collected).toEqual(NODEIDS);
    // A worse outcome reported later replaces the earlier one; the times add up.
    const twice = assembleRun(report([caseOf(ran[0], 'skipped'), caseOf(ran[0], 'error', { message: 'setup' })]), summaryOf(NODEIDS));
    expect(twice.tests).toEqual([{ nodeid: ran[0], outcome: 'error', durationMs: 4, message: 'setup', location: { file: 'tests/smoke/test_a.py', line: 1 } }]);
  });

  it('reads node ids from the records when the collected list is missing, and keeps one traceback for both files', () => {
    const nodeid = NODEIDS[2];
    const longrepr = 'def test_three():\n>       assert 1 == 2\nE       assert 1 == 2';
    const records: PluginRecord[] = [
      {
        type: 'test', nodeid, when: 'call', outcome: 'failed', duration: 0,
        location: { file: 'tests/smoke/test_a.py', line: 30, domain: 'TestGroup.test_three' },
        crash: { path: 'tests/smoke/test_a.py', lineno: 32, message: 'assert 1 == 2' }, longrepr, excType: 'AssertionError',
      },
    ];
    const out = assembleRun(report([caseOf(nodeid, 'failed', { message: 'assert 1 == 2', text: longrepr })]), summarizeRecords(records));
    expect(out.tests).toEqual([{ nodeid, outcome: 'failed', durationMs: 2, message: 'assert 1 == 2', text: longrepr, location: { file: 'tests/smoke/test_a.py', line: 30 } }]);
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0].signature).toBe(`${nodeid} | AssertionError | tests/smoke/test_a.py:32 | assert 1 == 2`);
    expect(out.failures[0].longrepr).toBe(out.tests[0].text);
  });

  it('gives each case all its records, whatever their order', () => {
    const rec = (nodeid: string, when: 'setup' | 'call' | 'teardown', outcome: 'passed' | 'failed' | 'skipped', extra: Record<string, unknown> = {}): PluginRecord => ({
      type: 'test', nodeid, when, outcome, duration: 0, location: { file: nodeid.split('::')[0], line: 90, domain: 'x' }, ...extra,
    });
    const records = [
      rec(NODEIDS[0], 'call', 'failed', { expected: '1', actual: '2', longrepr: 'E   1 != 2' }),
      rec(NODEIDS[1], 'call', 'passed', { wasxfail: 'known' }),
      rec(NODEIDS[2], 'setup', 'failed', { longrepr: 'E   fixture' }),
      rec(NODEIDS[2], 'teardown', 'failed', { longrepr: 'E   teardown' }),
      rec(NODEIDS[5], 'call', 'failed', { expected: 'a', actual: 'b', longrepr: 'E   a != b' }),
    ];
    const cases = [
      caseOf(NODEIDS[0], 'failed', { message: '1 != 2', text: 'E   1 != 2' }),
      caseOf(NODEIDS[1], 'passed'),
      caseOf(NODEIDS[2], 'error', { message: 'fixture', text: 'E   fixture' }),
      caseOf(NODEIDS[3]),
      caseOf(NODEIDS[2], 'error', { message: 'teardown', text: 'E   teardown' }),
      caseOf(NODEIDS[5], 'failed', { message: 'a != b', text: 'E   a != b' }),
    ];
    const inOrder = assembleRun(report(cases), summaryOf(NODEIDS, records));
    expect(inOrder.tests.map((t) => [t.nodeid, t.outcome, t.location?.line, t.expected])).toEqual([
      [NODEIDS[0], 'failed', 90, '1'],
      [NODEIDS[1], 'xpassed', 90, undefined],
      [NODEIDS[2], 'error', 90, undefined],
      [NODEIDS[3], 'passed', 4, undefined],
      [NODEIDS[5], 'failed', 90, 'a'],
    ]);
    // The same results with the records in another order, or a test's records apart from each other.
    for (const order of [[4, 3, 2, 1, 0], [2, 0, 1, 3, 4], [0, 1, 2, 4, 3]]) {
      const out = assembleRun(report(cases), summaryOf(NODEIDS, order.map((k) => records[k])));
      expect(out.tests, order.join()).toEqual(inOrder.tests);
    }
  });
});

