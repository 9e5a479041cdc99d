// Stage 1 of an attempt: vetting the producer's answer before anything touches the tree. Pure apart
// from resolving the patch's paths against the workspace (symlinks).

import { checkTestIntegrity } from '../integrity';
import { checkPatchPaths, exceedsLimits, extractDiff, summarizePatch } from '../patch';
import { describeError, SmokesError } from '../errors';
import type { AttemptVerdict, PatchSummary, ProducerResult, StopReason } from '../types';

export interface VetRules {
  workspace: string;
  /** Test files of the selection (from the baseline's collection), which patches may not edit. */
  testFiles: string[];
  /** Folders whose files count as the selection's tests. */
  testDirs: string[];
  allowTestEdits: boolean;
  /**
   * Rewrites the diff as it will be applied (hunks placed by their context, counts from the body: see
   * hunks.ts); everything after it judges the normalised patch. Absent: the diff is judged as received.
   */
  normalise?: (diff: string) => Promise<string>;
}

export type Vetted =
  /** A patch that may be reviewed and applied. */
  | { kind: 'patch'; patch: PatchSummary; received: string }
  /** The attempt is spent; `patch` is set when the answer held a readable diff. */
  | { kind: 'spent'; verdict: AttemptVerdict; detail: string; diff: string | null; patch?: PatchSummary }
  /** The loop stops. */
  | { kind: 'stop'; reason: StopReason; verdict: AttemptVerdict; detail: string; stopDetail: string; diff: string | null; patch?: PatchSummary };

/** Extract the diff, summarise it, then limits, paths and test integrity, in that order. */
export async function vetAnswer(result: ProducerResult, rules: VetRules): Promise<Vetted> {
  if (result.kind === 'exhausted') {
    return {
      kind: 'stop',
      reason: 'retry budget',
      verdict: 'no-patch',
      detail: `The producer has nothing left to offer: ${result.reason}`,
      stopDetail: `The producer has nothing left to offer (${result.reason}).`,
      diff: null,
    };
  }
  if (result.kind === 'none') return { kind: 'spent', verdict: 'no-patch', detail: `No patch: ${result.reason}`, diff: null };

  const diff = extractDiff(result.text);
  if (!diff) return { kind: 'spent', verdict: 'no-patch', detail: 'The answer holds no unified diff.', diff: null };

  let patch: PatchSummary;
  try {
    patch = summarizePatch(rules.normalise ? await rules.normalise(diff) : diff);
  } catch (error) {
    const refused = error instanceof SmokesError && error.code === 'patch-refused';
    return { kind: 'spent', verdict: refused ? 'refused' : 'not-applied', detail: describeError(error), diff };
  }
  // Everything below judges `patch`: a step that rewrites the diff before it is applied belongs here.

  const tooLarge = exceedsLimits(patch);
  if (tooLarge) return { kind: 'stop', reason: 'patch size', verdict: 'too-large', detail: tooLarge, stopDetail: tooLarge, diff: patch.diff, patch };
  try {
    await checkPatchPaths(patch, rules.workspace);
  } catch (error) {
    return { kind: 'spent', verdict: 'refused', detail: describeError(error), diff: patch.diff, patch };
  }
  const integrity = checkTestIntegrity(patch, { testFiles: rules.testFiles, testDirs: rules.testDirs, allowTestEdits: rules.allowTestEdits });
  if (!integrity.ok) return { kind: 'spent', verdict: 'refused', detail: integrity.reason, diff: patch.diff, patch };
  return { kind: 'patch', patch, received: diff };
}
