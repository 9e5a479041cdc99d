import type { Failure, PytestRun, TestCaseResult } from './types';

/**
 * The keep/revert/regression judgement of PRODUCT.md 4, 5 and 17, as a pure function of two runs:
 * the run before a patch and the verification run after it.
 */
export interface Verdict {
  kind: 'regression' | 'fixed' | 'no-change';
  /** Node ids that failed before and pass now (skips and xfails never count), and modules whose collection error is fixed. */
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

/**
 * The tests a collection error kept from running: a module's own tests (`path::…`), a folder's
 * (`path/…`), a conftest.py's folder's (everything under it; all tests for the root one).
 */
export function collectionScope(nodeid: string): (id: string) => boolean {
  if (nodeid === 'conftest.py' || nodeid.endsWith('/conftest.py')) {
    const dir = nodeid.slice(0, -'conftest.py'.length);
    return (id) => id.startsWith(dir);
  }
  if (nodeid.endsWith('.py')) return (id) => id === nodeid || id.startsWith(`${nodeid}::`);
  const dir = nodeid.replace(/\/+$/, '');
  return (id) => dir === '' || dir === '.' || id === dir || id.startsWith(`${dir}/`);
}

/**
 * A collection error is fixed when its module collects in the verification run (PRODUCT.md 24): no
 * collection error for it now, and pytest collected it (or, for a conftest.py, collected anything).
 */
export function collectsNow(nodeid: string, after: PytestRun): boolean {
  if (after.failures.some((f) => f.kind === 'collection-error' && f.nodeid === nodeid)) return false;
  const inScope = collectionScope(nodeid);
  const conftest = nodeid === 'conftest.py' || nodeid.endsWith('/conftest.py');
  const files = after.collectedFiles ?? [];
  if (conftest) return files.some(inScope) || after.collected.some(inScope) || after.tests.some((t) => inScope(t.nodeid));
  return files.includes(nodeid) || after.collected.some(inScope) || after.tests.some((t) => inScope(t.nodeid) && t.nodeid !== nodeid);
}

export function judgePatch(before: PytestRun, after: PytestRun): Verdict {
  const beforeFailing = failingIds(before);
  const afterFailing = failingIds(after);
  const beforeOutcomes = outcomeMap(before);
  const afterOutcomes = outcomeMap(after);

  // Collection errors are judged by their module, which is not a test (PRODUCT.md 24).
  const brokenModules = [...new Set(before.failures.filter((f) => f.kind === 'collection-error').map((f) => f.nodeid))];
  const collectedNow = brokenModules.filter((id) => collectsNow(id, after));
  const fixedScopes = collectedNow.map(collectionScope);
  // Tests of a module that now collects never ran before: their failures are new, with their own
  // signatures, and neither regressions nor part of the before/after count.
  const neverRanBefore = (f: Failure) => f.kind !== 'collection-error' && !beforeOutcomes.has(f.nodeid) && fixedScopes.some((inScope) => inScope(f.nodeid));
  const newFromCollected = after.failures.filter(neverRanBefore);

  const newlyFailing = [...afterFailing].filter((id) => beforeOutcomes.get(id) === 'passed');
  const fixed = [
    ...[...beforeFailing].filter((id) => !brokenModules.includes(id) && afterOutcomes.get(id) === 'passed' && !afterFailing.has(id)),
    ...collectedNow,
  ];
  const turnedIntoSkips = [...beforeFailing].filter((id) => {
    const outcome = afterOutcomes.get(id);
    return outcome === 'skipped' || outcome === 'xfailed';
  });
  const failedBefore = failedCount(before);
  const failedAfter = failedCount(after) - newFromCollected.length;

  if (failedAfter > failedBefore || newlyFailing.length > 0) {
    const why = newlyFailing.length > 0
      ? `${newlyFailing.length} test(s) that passed now fail: ${newlyFailing.slice(0, 3).join(', ')}`
      : `failed+errored went from ${failedBefore} to ${failedAfter}`;
    return { kind: 'regression', fixed, newlyFailing, failedBefore, failedAfter, turnedIntoSkips, explanation: `Regression: ${why}.` };
  }
  if (fixed.length > 0) {
    const collectedNote = collectedNow.length > 0
      ? ` ${collectedNow.join(', ')} collect${collectedNow.length === 1 ? 's' : ''} now${newFromCollected.length > 0 ? `; ${newFromCollected.length} of its tests fail${newFromCollected.length === 1 ? 's' : ''}, a new failure with its own signature` : ''}.`
      : '';
    return {
      kind: 'fixed',
      fixed,
      newlyFailing,
      failedBefore,
      failedAfter,
      turnedIntoSkips,
      explanation: `Fixed ${fixed.length} failure(s) (${fixed.slice(0, 3).join(', ')}); failed+errored ${failedBefore} → ${failedAfter}${newFromCollected.length > 0 ? ` (+${newFromCollected.length} new)` : ''}.${collectedNote}`,
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
