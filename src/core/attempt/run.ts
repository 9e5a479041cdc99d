// One attempt on one signature, as a pipeline of named stages:
//   work run (more detail on attempts 2 and 3) → investigation (attempt 3) → producer →
//   vetAnswer (vet.ts) → review → applyAndVerify → judge (judge.ts) → keep / revert / rollback.
// Everything the attempt needs from the outside comes through `AttemptEnv`, so the stop conditions can
// be exercised with canned pytest runs and an in-memory working tree.

import { describeError, isAbortError } from '../errors';
import { throwIfAborted, type ProcessTracker } from '../processes';
import { attemptArgs, baselineArgs, displayCommand, type Selection } from '../pytestCommand';
import { buildPatchRequest } from '../request';
import type { AttemptLedger } from '../ledger';
import type {
  AttemptVerdict,
  Decision,
  Failure,
  Investigator,
  Logger,
  LoopEvent,
  PatchProducer,
  PatchRequest,
  PatchSummary,
  PytestRun,
  RunLabel,
} from '../types';
import { CONFLICTS_DIR, type Conflict, type WorkingTree } from '../workingTree';
import { judge } from './judge';
import { WriteJournal } from './journal';
import { Stop } from './stop';
import { vetAnswer } from './vet';
import { pauseForTest } from '../testHooks';

export type PatchReviewer = (
  p: { patch: PatchSummary; signature: string; attempt: number; workspace: string },
  signal: AbortSignal,
) => Promise<'apply' | 'reject'>;

/** What an attempt uses from the loop around it. */
export interface AttemptEnv {
  workspace: string;
  runId: string;
  selection: Selection;
  allowTestEdits: boolean;
  producer: PatchProducer;
  tree: WorkingTree;
  signal: AbortSignal;
  log: Logger;
  tracker: ProcessTracker;
  reviewPatch?: PatchReviewer;
  investigator?: Investigator;
  /** Runs pytest (after the freshness check) and reports it. */
  runTests(label: RunLabel, args: string[]): Promise<PytestRun>;
  emit(event: LoopEvent): void;
  validate(action: string, lines: string[], decision: Decision): void;
  /** Appends to the run log. */
  record(kind: string, data: Record<string, unknown>): void;
  /** Tells the faces the ledger's state after it changed (signature-state events). */
  publishLedger(): void;
  /**
   * The spec's literal `git reset --hard && git clean -fd`, set only when the user opted in (hardReset)
   * and the tree was clean at the start: then a regression rollback uses it instead of undoing file by file.
   */
  literalReset?: () => Promise<void>;
  /** Normalises a producer's diff against the workspace before it is vetted (see vet.ts). */
  normalise?: (diff: string) => Promise<string>;
  /** The interpreter as a person types it (PRODUCT.md 22); `python3` when not given. */
  pythonShown?: string;
  /** PRODUCT.md 27: an error when the failure is the environment's (a third-party module missing), else null. */
  environmentProblem?: (failure: Failure) => Promise<Error | null>;
}

/** The run's state the attempts read and advance. */
export interface Progress {
  readonly ledger: AttemptLedger;
  baseline: PytestRun;
  current: PytestRun;
  readonly journal: WriteJournal;
  readonly appliedPatches: string[];
  lastPatchAt: Date | null;
  lastPatchDiff: string | null;
  readonly investigated: Set<string>;
  readonly previousAttempts: Map<string, PatchRequest['previousAttempts']>;
}

export async function runAttempt(env: AttemptEnv, p: Progress, failure: Failure, attempt: number): Promise<AttemptVerdict> {
  const sig = failure.signature;
  // PRODUCT.md 27: a third-party module the interpreter lacks is the environment's, not a bug to patch.
  const environment = await env.environmentProblem?.(failure);
  if (environment) throw environment;
  const args = attemptArgs(attempt, env.selection, failure.nodeid);
  env.emit({ type: 'attempt-started', signature: sig, nodeid: failure.nodeid, attempt, command: displayCommand(args, env.pythonShown) });

  const workRun = await workRunFor(env, p, failure, attempt, args);
  const target = workRun.failures.find((f) => f.signature === sig) ?? failure;
  const investigation = await investigate(env, p, target, attempt);

  // The producer.
  const request = await buildPatchRequest({
    workspace: env.workspace,
    attempt,
    failure: target,
    run: workRun,
    allowTestEdits: env.allowTestEdits,
    previousAttempts: [...(p.previousAttempts.get(sig) ?? [])],
    investigation,
  });
  env.record('request', { request });
  env.emit({ type: 'command', purpose: 'producer', command: env.producer.label, cwd: env.workspace });
  const result = await env.producer.propose(request, {
    signal: env.signal,
    log: env.log,
    tracker: env.tracker,
    tree: env.tree,
    onOutput: (text) => env.emit({ type: 'output', source: 'producer', text }),
  });
  throwIfAborted(env.signal);
  env.record('answer', { result });

  // Vetting.
  const vetted = await vetAnswer(result, {
    workspace: env.workspace,
    testFiles: [...new Set([...p.baseline.collected, ...p.baseline.tests.map((t) => t.nodeid)].map((id) => id.split('::')[0]))],
    testDirs: env.selection.select.length === 0 && !env.selection.markExpr ? ['tests/smoke'] : [],
    allowTestEdits: env.allowTestEdits,
    normalise: env.normalise,
  });
  const finish = (verdict: AttemptVerdict, detail: string, diff: string | null) => finishAttempt(env, p, failure, attempt, verdict, detail, diff);
  if (vetted.kind !== 'patch' && vetted.patch) env.emit({ type: 'patch-proposed', signature: sig, attempt, patch: vetted.patch });
  if (vetted.kind === 'stop') {
    if (vetted.reason === 'patch size') p.lastPatchDiff = vetted.diff;
    finish(vetted.verdict, vetted.detail, vetted.diff);
    throw new Stop(vetted.reason, vetted.stopDetail);
  }
  if (vetted.kind === 'spent') return finish(vetted.verdict, vetted.detail, vetted.diff);
  const patch = vetted.patch;
  env.emit({ type: 'patch-proposed', signature: sig, attempt, patch });

  // Review.
  if (env.reviewPatch) {
    const answer = await env.reviewPatch({ patch, signature: sig, attempt, workspace: env.workspace }, env.signal);
    throwIfAborted(env.signal);
    if (answer !== 'apply') return finish('rejected-by-user', 'The patch was rejected in the preview.', patch.diff);
  }

  // Apply and verify.
  const applied = await applyPatchToTree(env, p, patch, sig, attempt, vetted.received);
  if (!applied.ok) return finish('not-applied', applied.detail, patch.diff);
  await pauseForTest('applied');
  const before = p.current;
  const verification = await env.runTests('verification', baselineArgs(env.selection));

  // Judge.
  const { action, verdict } = judge(before, verification);
  if (action === 'rollback') {
    const conflicts = await rollbackAll(env, p, verdict.explanation);
    p.current = p.baseline;
    finish('regression', verdict.explanation, patch.diff);
    throw new Stop('regression', verdict.explanation + describeConflicts(conflicts), conflicts);
  }
  if (action === 'keep') {
    p.journal.keep();
    p.current = verification;
    p.ledger.observe(verification.failures);
    env.publishLedger();
    p.appliedPatches.push(patch.diff);
    env.validate('Verification', [summaryLine(verification), `${verdict.explanation} Keeping the patch.`], 'proceed');
    return finish('kept', verdict.explanation, patch.diff);
  }
  const undone = await revertPending(env, p);
  env.emit({ type: 'patch-reverted', signature: sig, attempt, files: undone.restored });
  p.lastPatchAt = new Date(); // the service may have loaded the reverted code: refresh it too
  env.validate('Verification', [summaryLine(verification), `${verdict.explanation} Reverting the patch.`], 'proceed');
  finish('reverted', verdict.explanation, patch.diff);
  if (undone.conflicts.length > 0) {
    // The next attempt would not start from the tree the verdicts assume: stop rather than guess.
    throw new Stop(
      'retry budget',
      `The reverted patch's files were changed by someone else meanwhile, so they were kept as they are${describeConflicts(undone.conflicts)}`,
      undone.conflicts,
    );
  }
  return 'reverted';
}

/** Spec step 5: attempt 1 works from the baseline output; 2 and 3 re-run with more detail. */
async function workRunFor(env: AttemptEnv, p: Progress, failure: Failure, attempt: number, args: string[]): Promise<PytestRun> {
  if (attempt <= 1) return p.current;
  const run = await env.runTests(attempt === 2 ? 'attempt' : 'rerun', args);
  const seen = run.failures.find((f) => f.signature === failure.signature);
  env.validate(
    `Attempt ${attempt} run`,
    [summaryLine(run), seen ? `${failure.nodeid} fails the same way: asking for a patch.` : `${failure.nodeid} did not fail the same way in this run; working from its output anyway.`],
    'proceed',
  );
  if (attempt === 2) {
    // The --tb=short run is a full baseline run of the same tree: it is the freshest picture.
    p.current = run;
    p.ledger.observe(run.failures);
    env.publishLedger();
  }
  return run;
}

/** Spec step 7: once per signature, on its third attempt. */
async function investigate(env: AttemptEnv, p: Progress, target: Failure, attempt: number): Promise<PatchRequest['investigation']> {
  if (attempt !== 3 || !env.investigator || p.investigated.has(target.signature)) return null;
  p.investigated.add(target.signature);
  try {
    const answers = await env.investigator.investigate({
      failure: target,
      workspace: env.workspace,
      errorText: target.longrepr ?? `${target.exceptionType}: ${target.message}`,
      codeContext: null,
      pythonVersion: null,
      signal: env.signal,
      log: env.log,
      emit: (event) => env.emit(event),
    });
    env.record('investigation', { signature: target.signature, answers });
    return answers;
  } catch (error) {
    if (isAbortError(error)) throw error;
    env.log.warn(`Assisted investigation failed: ${describeError(error)}; going on without it.`);
    return null;
  }
}

/** Writes the patch, its files recorded in the journal before the first byte lands. */
async function applyPatchToTree(env: AttemptEnv, p: Progress, patch: PatchSummary, sig: string, attempt: number, received: string): Promise<{ ok: true } | { ok: false; detail: string }> {
  let files: string[];
  try {
    const writes = await env.tree.apply(patch, { signal: env.signal, beforeWrite: (w) => p.journal.begin(w) });
    files = writes.map((w) => w.path);
  } catch (error) {
    await p.journal.dropPending();
    if (isAbortError(error)) throw error;
    return { ok: false, detail: describeError(error) };
  }
  p.lastPatchAt = new Date();
  p.lastPatchDiff = patch.diff;
  // Both the answer's diff as received and the patch as applied (PRODUCT.md 7, issue 13).
  env.record('applied', { signature: sig, attempt, diff: patch.diff, received, files });
  env.emit({ type: 'patch-applied', signature: sig, attempt, files });
  env.validate('Patch applied', [`${patch.fileCount} file(s), ${patch.changedLines} changed line(s): ${files.join(', ')}.`, 'Verifying with the baseline command.'], 'proceed');
  return { ok: true };
}

export function conflictDir(runId: string): string {
  return `${CONFLICTS_DIR}/${runId}`;
}

/** Takes back the patch under verification, and only its files. */
export async function revertPending(env: Pick<AttemptEnv, 'tree' | 'runId' | 'record'>, p: Progress): Promise<{ restored: string[]; conflicts: Conflict[] }> {
  const pending = p.journal.pending;
  if (!pending) return { restored: [], conflicts: [] };
  const result = await env.tree.undo(pending, conflictDir(env.runId));
  await p.journal.dropPending();
  env.record('undo', { scope: 'patch', restored: result.restored, conflicts: result.conflicts });
  return result;
}

/** PRODUCT.md 6 and 26: every file the loop wrote goes back to its state before the loop's first write to it. */
export async function rollbackAll(
  env: Pick<AttemptEnv, 'tree' | 'runId' | 'record' | 'emit' | 'validate' | 'workspace' | 'literalReset'>,
  p: Progress,
  why: string,
): Promise<Conflict[]> {
  if (env.literalReset) {
    env.emit({ type: 'command', purpose: 'rollback', command: 'git reset --hard && git clean -fd', cwd: env.workspace });
    await env.literalReset();
    await p.journal.clear();
    p.appliedPatches.length = 0;
    env.record('undo', { scope: 'hard-reset' });
    env.emit({ type: 'rollback', reason: why, files: [], conflicts: [] });
    env.validate('Rollback', ['git reset --hard && git clean -fd: the tree is back to HEAD (hardReset, clean at the start).', 'Stopping to escalate.'], 'escalate');
    return [];
  }
  env.emit({ type: 'command', purpose: 'rollback', command: `undo the loop's writes (${new Set(p.journal.all().map((w) => w.path)).size} file(s))`, cwd: env.workspace });
  const result = await env.tree.undo(p.journal.all(), conflictDir(env.runId));
  await p.journal.clear();
  p.appliedPatches.length = 0;
  env.record('undo', { scope: 'all', restored: result.restored, conflicts: result.conflicts });
  env.emit({ type: 'rollback', reason: why, files: result.restored, conflicts: result.conflicts });
  env.validate(
    'Rollback',
    [
      `The files the loop wrote are back to their state before its first patch (${result.restored.length} file(s) restored)${result.conflicts.length ? `; ${result.conflicts.length} changed by someone else kept, copies in ${conflictDir(env.runId)}` : ''}.`,
      'Stopping to escalate.',
    ],
    'escalate',
  );
  return result.conflicts;
}

export function describeConflicts(conflicts: Conflict[]): string {
  if (conflicts.length === 0) return '';
  return ` Kept as changed by someone else: ${conflicts.map((c) => `${c.path} (the loop's version: ${c.copy})`).join(', ')}.`;
}

function finishAttempt(env: AttemptEnv, p: Progress, failure: Failure, attempt: number, verdict: AttemptVerdict, detail: string, diff: string | null): AttemptVerdict {
  const list = p.previousAttempts.get(failure.signature) ?? [];
  list.push({ attempt, verdict, detail, diff });
  p.previousAttempts.set(failure.signature, list);
  env.emit({ type: 'attempt-finished', signature: failure.signature, nodeid: failure.nodeid, attempt, verdict, detail, diff });
  env.record('verdict', { signature: failure.signature, attempt, verdict, detail });
  if (verdict !== 'kept' && verdict !== 'reverted' && verdict !== 'regression') {
    env.validate(`Attempt ${attempt}`, [detail, 'The attempt is spent.'], 'proceed');
  }
  return verdict;
}

export function summaryLine(run: PytestRun): string {
  const c = run.counts;
  const parts = [`${c.passed} passed`, `${c.failed} failed`];
  if (c.errors) parts.push(`${c.errors} error(s)`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.deselected) parts.push(`${c.deselected} deselected`);
  return `${run.command} → exit ${run.exitCode} (${run.exitMeaning}): ${parts.join(', ')}.`;
}
