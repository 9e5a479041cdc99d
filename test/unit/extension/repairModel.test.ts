import { describe, expect, it } from 'vitest';
import type { Failure, LoopEvent, PytestRun, TestCaseResult } from '../../../src/core/types';
import { RepairModel } from '../../../src/extension/repairModel';

const failure = (nodeid: string, sig = `${nodeid}|AssertionError|calc.py:5|boom`): Failure => ({
  nodeid,
  kind: 'failed',
  exceptionType: 'AssertionError',
  location: { file: 'tests/smoke/test_calc_smoke.py', line: 5 },
  message: 'assert -1 == 5',
  signature: sig,
});

function run(label: PytestRun['label'], failures: Failure[], tests: TestCaseResult[], output = `${label} output`): LoopEvent {
  return {
    type: 'run-finished',
    run: {
      label,
      command: `pytest ${label}`,
      argv: [],
      cwd: '/ws',
      exitCode: failures.length ? 1 : 0,
      exitMeaning: failures.length ? 'failed' : 'passed',
      tests,
      failures,
      counts: { passed: 0, failed: failures.length, errors: 0, skipped: 0, xfailed: 0, xpassed: 0, deselected: 0, total: tests.length },
      output,
      junitPath: '',
      collected: [],
      durationMs: 1,
    },
  };
}

const A = 'tests/smoke/test_calc_smoke.py::test_smoke_add';
const B = 'tests/smoke/test_calc_smoke.py::test_smoke_mul';
const patch = { diff: '--- a/calc.py\n+++ b/calc.py\n', files: [], fileCount: 1, changedLines: 2 };

describe('RepairModel', () => {
  it('lists each baseline failure as an open signature with 0 attempts', () => {
    const m = new RepairModel(3);
    m.handle(run('baseline', [failure(A), failure(B)], []));
    expect(m.signatures.map((s) => [s.nodeid, s.state, m.attemptLabel(s)])).toEqual([
      [A, 'open', '0/3'],
      [B, 'open', '0/3'],
    ]);
    expect(m.signatures[0].location).toEqual({ file: 'tests/smoke/test_calc_smoke.py', line: 5 });
  });

  it('records attempts with command, output, patch and verdict, and marks a fixed signature', () => {
    const m = new RepairModel(3);
    const f = failure(A);
    m.handle(run('baseline', [f], [{ nodeid: A, outcome: 'failed', durationMs: 3 }], 'baseline text'));
    m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt: 1, command: 'pytest -q tests/smoke -k smoke' });
    m.handle({ type: 'patch-proposed', signature: f.signature, attempt: 1, patch });
    m.handle({ type: 'attempt-finished', signature: f.signature, nodeid: A, attempt: 1, verdict: 'reverted', detail: 'fixed nothing', diff: patch.diff });
    m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt: 2, command: 'pytest -q --tb=short' });
    m.handle(run('attempt', [f], [{ nodeid: A, outcome: 'failed', durationMs: 3 }], 'short text'));
    m.handle({ type: 'patch-proposed', signature: f.signature, attempt: 2, patch });
    m.handle(run('verification', [], [{ nodeid: A, outcome: 'passed', durationMs: 3 }]));
    m.handle({ type: 'attempt-finished', signature: f.signature, nodeid: A, attempt: 2, verdict: 'kept', detail: '1 test fixed', diff: patch.diff });

    const [s] = m.signatures;
    expect(m.attemptLabel(s)).toBe('2/3');
    expect(s.state).toBe('fixed');
    expect(s.attempts.map((a) => [a.attempt, a.verdict, a.output])).toEqual([
      [1, 'reverted', 'baseline text'],
      [2, 'kept', 'short text'],
    ]);
    expect(s.attempts[1].command).toBe('pytest attempt');
    expect(s.attempts[0].diff).toBe(patch.diff);
  });

  it('marks a signature exhausted after its last failed attempt and on escalation', () => {
    const m = new RepairModel(2);
    const f = failure(A);
    m.handle(run('baseline', [f], []));
    for (const attempt of [1, 2]) {
      m.handle({ type: 'attempt-started', signature: f.signature, nodeid: A, attempt, command: 'pytest' });
      expect(m.get(f.signature)!.state).toBe('open');
      m.handle({ type: 'attempt-finished', signature: f.signature, nodeid: A, attempt, verdict: 'no-patch', detail: '', diff: null });
    }
    expect(m.get(f.signature)!.state).toBe('exhausted');
    expect(m.attemptLabel(m.get(f.signature)!)).toBe('2/2');
  });

  it('marks excluded signatures and fires on change', () => {
    const f = failure(A);
    const m = new RepairModel(3, new Set([f.signature]));
    let fired = 0;
    m.onDidChange(() => fired++);
    m.handle(run('baseline', [f], []));
    expect(m.get(f.signature)!.state).toBe('excluded');
    expect(fired).toBe(1);
    m.handle({ type: 'command', purpose: 'pytest', command: 'pytest -q', cwd: '/ws' });
    expect(m.commands).toEqual(['pytest -q']);
  });
});
