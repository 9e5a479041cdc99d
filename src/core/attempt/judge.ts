// Stage 4 of an attempt, and the stop conditions between attempts: pure functions of runs and the ledger.

import type { AttemptLedger } from '../ledger';
import { judgePatch, type Verdict } from '../verdict';
import type { AttemptVerdict, PytestRun, SignatureState, StopReason } from '../types';
import type { Failure } from '../types';

/** What to do with a verified patch: keep it, revert it, or roll everything back and stop. */
export function judge(before: PytestRun, verification: PytestRun): { action: 'keep' | 'revert' | 'rollback'; verdict: Verdict } {
  const verdict = judgePatch(before, verification);
  return { action: verdict.kind === 'fixed' ? 'keep' : verdict.kind === 'regression' ? 'rollback' : 'revert', verdict };
}

export type NextStep =
  | { kind: 'success' }
  | { kind: 'stop'; reason: StopReason; detail: string }
  | { kind: 'attempt'; target: SignatureState };

/** Before each attempt: all pass, every signature spent, the loop limit, or the next signature to work on. */
export function nextStep(ledger: AttemptLedger, remaining: readonly Failure[]): NextStep {
  if (remaining.length === 0) return { kind: 'success' };
  const target = ledger.nextTarget(remaining);
  if (!target) {
    const excluded = remaining.filter((f) => ledger.get(f.signature)?.state === 'excluded');
    // Excluded failures still fail: the run does not end as a success while any of them remains.
    const detail =
      excluded.length === remaining.length
        ? `The remaining failure(s) are excluded from repair and still fail: ${[...new Set(excluded.map((f) => f.nodeid))].slice(0, 5).join(', ')}.`
        : 'Every remaining failure signature is exhausted or excluded.';
    return { kind: 'stop', reason: 'retry budget', detail };
  }
  if (ledger.loopLimitReached) return { kind: 'stop', reason: 'retry budget', detail: `The loop limit (${ledger.maxLoops}) was reached.` };
  return { kind: 'attempt', target };
}

/**
 * After each attempt: a kept patch settles the ledger against the new run; a signature that still fails
 * uses up an attempt, and one that has used all of them stops the loop (the spec's "any signature reaches
 * 3 attempts").
 */
export function afterAttempt(
  ledger: AttemptLedger,
  o: { signature: string; nodeid: string; attempt: number; verdict: AttemptVerdict; remaining: readonly Failure[]; current: PytestRun },
): { kind: 'stop'; reason: StopReason; detail: string } | null {
  if (o.verdict === 'kept') {
    ledger.settle(o.remaining);
    ledger.observe(o.current.failures);
  }
  if (o.verdict !== 'kept' || o.remaining.some((f) => f.signature === o.signature)) {
    if (ledger.markUnfixed(o.signature)) {
      return { kind: 'stop', reason: 'retry budget', detail: `${o.nodeid} still fails after ${o.attempt} attempt(s): its signature is exhausted.` };
    }
  }
  return null;
}
