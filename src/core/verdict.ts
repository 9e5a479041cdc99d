import type { PytestRun, TestCaseResult } from './types';

/**
 * The keep/revert/regression judgement of PRODUCT.md 4, 5 and 17, as a pure function of two runs:
 * the run before a patch and the verification run after it.
 */
export interface Verdict {
  kind: 'regression' | 'fixed' | 'no-change';
  /** Node ids that failed before and pass now (skips and xfails never count). */
  fixed: string[];
  /** Node ids that passed before and fail now. */
  newlyFailing: string[];
  failedBefore: number;
  failedAfter: number;
  /** Node ids that failed before and are skipped or xfailed now (never a fix). */
  turnedIntoSkips: string[];
  explanation: string;
}

function failingIds(run: PytestRun): Set<string> {
  return new Set(run.failures.map((f) => f.nodeid));
}

function outcomeMap(run: PytestRun): Map<string, TestCaseResult['outcome']> {
  return new Map(run.tests.map((t) => [t.nodeid, t.outcome]));
}

export function failedCount(run: PytestRun): number {
  return run.failures.length;
}

export function judgePatch(before: PytestRun, after: PytestRun): Verdict {
  const beforeFailing = failingIds(before);
  const afterFailing = failingIds(after);
  const beforeOutcomes = outcomeMap(before);
  const afterOutcomes = outcomeMap(after);

  const newlyFailing = [...afterFailing].filter((id) => beforeOutcomes.get(id) === 'passed');
  const fixed = [...beforeFailing].filter((id) => afterOutcomes.get(id) === 'passed' && !afterFailing.has(id));
  const turnedIntoSkips = [...beforeFailing].filter((id) => {
    const outcome = afterOutcomes.get(id);
    return outcome === 'skipped' || outcome === 'xfailed';
  });
  const failedBefore = failedCount(before);
  const failedAfter = failedCount(after);

  if (failedAfter > failedBefore || newlyFailing.length > 0) {
    const why = newlyFailing.length > 0
      ? `${newlyFailing.length} test(s) that passed now fail: ${newlyFailing.slice(0, 3).join(', ')}`
      : `failed+errored went from ${failedBefore} to ${failedAfter}`;
    return { kind: 'regression', fixed, newlyFailing, failedBefore, failedAfter, turnedIntoSkips, explanation: `Regression: ${why}.` };
  }
  if (fixed.length > 0) {
    return {
      kind: 'fixed',
      fixed,
      newlyFailing,
      failedBefore,
      failedAfter,
      turnedIntoSkips,
      explanation: `Fixed ${fixed.length} test(s) (${fixed.slice(0, 3).join(', ')}); failed+errored ${failedBefore} → ${failedAfter}.`,
    };
  }
  const skipNote = turnedIntoSkips.length > 0 ? ` ${turnedIntoSkips.length} failure(s) became skips/xfails, which never count as fixes.` : '';
  return {
    kind: 'no-change',
    fixed,
    newlyFailing,
    failedBefore,
    failedAfter,
    turnedIntoSkips,
    explanation: `No failing test passes now (failed+errored ${failedBefore} → ${failedAfter}).${skipNote}`,
  };
}

/**
 * Tests that ran (passed or failed) in the baseline but were skipped, xfailed or not run at all in the
 * final run. A run with any of these is not a success (PRODUCT.md 17).
 */
export function lostTests(baseline: PytestRun, final: PytestRun): string[] {
  const finalOutcomes = outcomeMap(final);
  const finalFailing = failingIds(final);
  // A collection error is reported against its module, which is not a test: once it imports, its tests run.
  const collectionErrors = new Set(baseline.failures.filter((f) => f.kind === 'collection-error').map((f) => f.nodeid));
  const lost: string[] = [];
  for (const test of baseline.tests) {
    if (collectionErrors.has(test.nodeid)) continue;
    if (test.outcome !== 'passed' && test.outcome !== 'failed' && test.outcome !== 'error') continue;
    const now = finalOutcomes.get(test.nodeid);
    if (now === 'passed' || now === 'failed' || now === 'error' || finalFailing.has(test.nodeid)) continue;
    lost.push(test.nodeid);
  }
  return lost;
}
