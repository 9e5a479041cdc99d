import { describe, expect, it } from 'vitest';
import { AttemptLedger } from '../../src/core/ledger';
import type { Failure } from '../../src/core/types';

function failure(nodeid: string, message = 'boom'): Failure {
  return { nodeid, kind: 'failed', exceptionType: 'AssertionError', location: { file: 'a.py', line: 1 }, message, signature: `${nodeid} | AssertionError | a.py:1 | ${message}` };
}

describe('AttemptLedger', () => {
  it('counts attempts per signature and exhausts at the budget', () => {
    const ledger = new AttemptLedger(3, 10);
    const a = failure('t::a');
    ledger.observe([a]);
    expect(ledger.begin(a.signature)).toBe(1);
    expect(ledger.markUnfixed(a.signature)).toBe(false);
    expect(ledger.begin(a.signature)).toBe(2);
    expect(ledger.markUnfixed(a.signature)).toBe(false);
    expect(ledger.begin(a.signature)).toBe(3);
    expect(ledger.markUnfixed(a.signature)).toBe(true);
    expect(ledger.get(a.signature)?.state).toBe('exhausted');
    expect(ledger.nextTarget([a])).toBeNull();
    expect(ledger.loops).toBe(3);
  });

  it('targets failures in pytest order, skipping excluded and exhausted ones', () => {
    const a = failure('t::a');
    const b = failure('t::b');
    const ledger = new AttemptLedger(1, 10, new Set([a.signature]));
    ledger.observe([a, b]);
    expect(ledger.nextTarget([a, b])?.nodeid).toBe('t::b');
    ledger.begin(b.signature);
    ledger.markUnfixed(b.signature);
    expect(ledger.nextTarget([a, b])).toBeNull();
  });

  it('a new message is a new signature with its own budget', () => {
    const ledger = new AttemptLedger(3, 10);
    const first = failure('t::a', 'one');
    const second = failure('t::a', 'two');
    ledger.observe([first]);
    ledger.begin(first.signature);
    ledger.observe([second]);
    expect(ledger.attemptsFor(second.signature)).toBe(0);
    expect(ledger.nextTarget([second])?.signature).toBe(second.signature);
  });

  it('settles fixed signatures and reports the loop limit', () => {
    const ledger = new AttemptLedger(3, 2);
    const a = failure('t::a');
    const b = failure('t::b');
    ledger.observe([a, b]);
    ledger.begin(a.signature);
    ledger.settle([b]);
    expect(ledger.get(a.signature)?.state).toBe('fixed');
    expect(ledger.get(b.signature)?.state).toBe('open');
    ledger.begin(b.signature);
    expect(ledger.loopLimitReached).toBe(true);
  });
});
