import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type {
  AttemptVerdict,
  Decision,
  Failure,
  FreshnessStatus,
  Investigator,
  Logger,
  LoopEvent,
  LoopOutcome,
  PatchProducer,
  PatchRequest,
  PatchSummary,
  PytestRun,
  RunLabel,
  StopReason,
} from './types';
import { LIMITS, silentLogger } from './types';
import { SmokesError, describeError, isAbortError } from './errors';
import { ProcessTracker, throwIfAborted } from './processes';
import { AttemptLedger } from './ledger';
import { judgePatch, lostTests } from './verdict';
import { RunLog } from './runLog';
import { attemptArgs, baselineArgs, displayCommand, type Selection } from './pytestCommand';
import { detectPytest, resolvePython, runPytest } from './pytestRunner';
import { renderHtmlReport } from './htmlReport';
import { applyPatch, checkPatchPaths, exceedsLimits, extractDiff, summarizePatch } from './patch';
import { checkTestIntegrity } from './integrity';
import { SnapshotStore, type Snapshot } from './snapshot';
import { collectFreshnessOutputs, freshnessConfigured, probeFreshness, RESTART_COMMAND, restartAndProbe } from './freshness';
import { artifactList, writeBundleFile, writeRequirementsSnapshot } from './artifacts';
import { buildPatchRequest } from './request';
import type { EscalationBundle } from './bundle';
import { defaultSettings, type Settings } from './settings';
import { runRedactor, type Redactor } from './secrets';

export interface LoopOptions {
  workspace: string;
  settings: Settings;
  producer: PatchProducer;
  python?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
  onEvent?: (e: LoopEvent) => void;
  reviewPatch?: (
    p: { patch: PatchSummary; signature: string; attempt: number; workspace: string },
    signal: AbortSignal,
  ) => Promise<'apply' | 'reject'>;
  investigator?: Investigator;
  only?: string[];
  excludedSignatures?: string[];
}

export const ARTIFACTS_DIR = 'artifacts';
export const RUN_LOG = 'artifacts/run-log.jsonl';
export const SUMMARY_FILE = 'artifacts/summary.json';

/** Thrown inside the loop to end it with one of the spec's stop reasons. */
class Stop {
  constructor(
    readonly reason: StopReason,
    readonly detail: string,
  ) {}
}

/**
 * The repair loop of loop-spec.md, read as PRODUCT.md decides. One path: baseline, freshness, then per
 * failure signature up to three attempts with escalating verbosity, each patch verified against the
 * baseline command, kept, reverted or rolled back, until a stop condition.
 */
export async function runLoop(o: LoopOptions): Promise<LoopOutcome> {
  return new RepairLoop(o).run();
}

class RepairLoop {
  private readonly settings: Settings;
  private readonly log: Logger;
  private readonly tracker = new ProcessTracker();
  private readonly controller = new AbortController();
  private readonly runLog: RunLog;
  private readonly ledger: AttemptLedger;
  private readonly selection: Selection;
  private readonly repro: string[] = [];
  private readonly appliedPatches: string[] = [];
  private readonly investigated = new Set<string>();
  private readonly previousAttempts = new Map<string, PatchRequest['previousAttempts']>();
  private python = '';
  private html = false;
  private snapshots: SnapshotStore | null = null;
  private startSnapshot: Snapshot | null = null;
  private cleanAtStart = false;
  private freshnessOn = false;
  private lastPatchAt: Date | null = null;
  private lastPatchDiff: string | null = null;
  private baseline: PytestRun | null = null;
  private current: PytestRun | null = null;
  private lastRun: PytestRun | null = null;
  /** Set while a patch is on disk awaiting its verdict, so a cancel can take it back. */
  private pendingCheckpoint: Snapshot | null = null;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly published = new Map<string, string>();
  /** Blanks the environment's secrets in everything the loop writes to disk or hands out as a bundle. */
  private readonly redact: Redactor;

  constructor(private readonly o: LoopOptions) {
    this.settings = o.settings ?? defaultSettings;
    this.log = o.log ?? silentLogger;
    this.redact = runRedactor(o.env);
    this.runLog = new RunLog(join(o.workspace, RUN_LOG), this.redact);
    this.ledger = new AttemptLedger(this.settings.retries, this.settings.maxLoops, new Set(o.excludedSignatures ?? []));
    this.selection = o.only && o.only.length > 0
      ? { select: [...o.only], markExpr: '' }
      : { select: this.settings.select, markExpr: this.settings.markExpr };
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private emit(event: LoopEvent): void {
    this.runLog.write('event', { event: event as unknown as Record<string, unknown> });
    try {
      this.o.onEvent?.(event);
    } catch (error) {
      this.log.warn(`An event listener failed: ${describeError(error)}`);
    }
  }

  /** Tells the faces the ledger's state of every signature whose state or attempt count changed. */
  private publishLedger(): void {
    for (const s of this.ledger.all()) {
      const key = `${s.attempts}|${s.state}`;
      if (this.published.get(s.signature) === key) continue;
      this.published.set(s.signature, key);
      this.emit({ type: 'signature-state', signature: s.signature, nodeid: s.nodeid, attempts: s.attempts, maxAttempts: this.ledger.maxAttempts, state: s.state });
    }
  }

  private validate(action: string, lines: string[], decision: Decision): void {
    this.emit({ type: 'validation', action, lines: lines.slice(0, 2), decision });
    this.log.info(`${action}: ${lines.join(' ')} → ${decision}`);
  }

  async run(): Promise<LoopOutcome> {
    const budgetMs = this.settings.timeBudgetSeconds * 1000;
    const onOuterAbort = () => this.controller.abort(new SmokesError('cancelled', 'The run was cancelled.'));
    if (this.o.signal?.aborted) onOuterAbort();
    this.o.signal?.addEventListener('abort', onOuterAbort, { once: true });
    this.deadlineTimer = setTimeout(() => {
      this.controller.abort(
        new SmokesError('time-budget', `The loop's time budget of ${this.settings.timeBudgetSeconds}s ran out.`),
      );
    }, budgetMs);
    // Ending the run ends everything it started, children included.
    this.signal.addEventListener('abort', () => void this.tracker.killAll(1500), { once: true });
    this.runLog.write('start', {
      workspace: this.o.workspace,
      settings: this.settings,
      producer: this.o.producer.label,
      only: this.o.only ?? null,
    });

    try {
      return await this.loop();
    } catch (error) {
      if (error instanceof Stop) return await this.escalate(error.reason, error.detail);
      if (isAbortError(error) || this.signal.aborted) return await this.aborted();
      this.runLog.write('error', { message: describeError(error) });
      await this.takeBackPendingPatch('an error');
      throw error;
    } finally {
      clearTimeout(this.deadlineTimer);
      this.o.signal?.removeEventListener('abort', onOuterAbort);
      await this.tracker.killAll(500);
      if (this.snapshots && this.startSnapshot) {
        await this.snapshots
          .saveLoopState({ running: false, startSnapshot: this.startSnapshot, startedAt: this.startSnapshot.createdAt, pid: process.pid })
          .catch(() => undefined);
      }
    }
  }

  private checklist(): string[] {
    return [
      `Run the baseline: ${displayCommand(baselineArgs(this.selection))} (results from JUnit XML)`,
      'Check that the exec-rpc service is fresh before each test run; restart and probe it when stale (skipped where it is not configured)',
      `Track each failure by signature (node id, exception, file:line, message), at most ${this.settings.retries} attempts each`,
      `Ask ${this.o.producer.label} for a unified diff (≤ ${LIMITS.maxFiles} files, ≤ ${LIMITS.maxChangedLines} lines) and check it before it touches the tree`,
      'Verify each patch with the baseline: keep it, revert it, or roll back and escalate',
      `Stop when all pass, a signature is exhausted, after ${this.settings.maxLoops} loops, on an oversized patch, or after ${this.settings.timeBudgetSeconds}s`,
      'Write artifacts (smoke.xml, smoke.html, requirements snapshot) and the escalation bundle when stopping',
    ];
  }

  private async loop(): Promise<LoopOutcome> {
    this.emit({ type: 'checklist', items: this.checklist() });
    await this.prepare();

    this.baseline = await this.testRun('baseline', baselineArgs(this.selection));
    this.current = this.baseline;
    this.ledger.observe(this.current.failures);
    this.publishLedger();
    this.validate(
      'Baseline run',
      [summaryLine(this.baseline), this.baseline.failures.length === 0 ? 'Nothing to repair.' : `${this.baseline.failures.length} failure signature(s) to work on.`],
      this.baseline.failures.length === 0 ? 'done' : 'proceed',
    );

    for (;;) {
      throwIfAborted(this.signal);
      const current = this.current!;
      const remaining = this.relevantFailures(current);
      if (remaining.length === 0) return await this.succeed();

      const target = this.ledger.nextTarget(remaining);
      if (!target) {
        throw new Stop('retry budget', 'Every remaining failure signature is exhausted or excluded.');
      }
      if (this.ledger.loopLimitReached) {
        throw new Stop('retry budget', `The loop limit (${this.settings.maxLoops}) was reached.`);
      }
      const attempt = this.ledger.begin(target.signature);
      this.publishLedger();
      const verdict = await this.attempt(target.failure, attempt);
      if (verdict === 'kept') {
        this.ledger.settle(this.relevantFailures(this.current!));
        this.ledger.observe(this.current!.failures);
      }
      this.publishLedger();
      if (verdict !== 'kept' || this.relevantFailures(this.current!).some((f) => f.signature === target.signature)) {
        const exhausted = this.ledger.markUnfixed(target.signature);
        this.publishLedger();
        if (exhausted) {
          // Spec stop condition: any signature reaches its attempt budget (after step 7, if it ran).
          throw new Stop('retry budget', `${target.nodeid} still fails after ${attempt} attempt(s): its signature is exhausted.`);
        }
      }
    }
  }

  /** Interpreter, pytest, snapshots, freshness set-up: everything checked before the first run. */
  private async prepare(): Promise<void> {
    const ws = this.o.workspace;
    this.python = this.o.python ?? (await resolvePython(this.settings.pythonPath, ws));
    const pytest = await detectPytest(this.python, ws, this.signal);
    if (!pytest.ok) {
      throw new SmokesError(
        'pytest-missing',
        `pytest is not available to ${this.python}: ${pytest.error ?? 'unknown error'}.`,
        'Install pytest in that interpreter, or point the pythonPath setting (--python) at one that has it.',
      );
    }
    this.html = pytest.html;
    this.snapshots = await SnapshotStore.open(ws, { log: this.log, signal: this.signal });
    this.cleanAtStart = await this.snapshots.isClean();
    this.startSnapshot = await this.snapshots.take('start');
    await this.snapshots.saveLoopState({
      running: true,
      startSnapshot: this.startSnapshot,
      startedAt: this.startSnapshot.createdAt,
      pid: process.pid,
    });
    this.runLog.write('snapshot', { name: 'start', commit: this.startSnapshot.commit, mode: this.snapshots.mode, cleanAtStart: this.cleanAtStart });
    const explicitUrl = this.settings.metaUrl !== defaultSettings.metaUrl;
    this.freshnessOn = await freshnessConfigured(ws, explicitUrl);
    if (!this.freshnessOn) {
      this.emit({
        type: 'freshness',
        status: {
          state: 'not-configured',
          reasons: ['No exec-rpc-restart/exec-rpc-probe targets in the Makefile and no meta URL configured.'],
          meta: null,
          rawMeta: null,
          headSha: null,
          url: this.settings.metaUrl,
          checkedAt: new Date().toISOString(),
        },
      });
    }
  }

  /** GET /__meta once, shown to the faces as a freshness event. */
  private async probe(): Promise<FreshnessStatus> {
    const status = await probeFreshness({
      url: this.settings.metaUrl,
      timeoutMs: this.settings.freshnessTimeoutMs,
      workspace: this.o.workspace,
      lastPatchAt: this.lastPatchAt,
      signal: this.signal,
    });
    this.emit({ type: 'freshness', status });
    return status;
  }

  /** Spec step 2 before every test run: probe /__meta; when stale, restart + probe once. */
  private async ensureFresh(): Promise<void> {
    if (!this.freshnessOn) return;
    const status = await this.probe();
    if (status.state === 'fresh') return;
    this.validate('Freshness check', [`exec-rpc is ${status.state}: ${status.reasons.join('; ')}.`, 'Restarting and probing it.'], 'proceed');
    this.emit({ type: 'command', purpose: 'freshness', command: RESTART_COMMAND, cwd: this.o.workspace });
    const restart = await restartAndProbe({
      workspace: this.o.workspace,
      env: this.o.env,
      metaUrl: this.settings.metaUrl,
      signal: this.signal,
      tracker: this.tracker,
      onOutput: (text) => this.emit({ type: 'output', source: 'freshness', text }),
    });
    throwIfAborted(this.signal);
    this.runLog.write('restart', { command: restart.command, exitCode: restart.exitCode, output: restart.output });
    if (!restart.ok) {
      this.validate('Restart + probe', [`The probe did not report "t_ms" (exit ${restart.exitCode ?? 'none'}).`, 'The service stays stale: escalating.'], 'escalate');
      throw new Stop('retry budget', `The exec-rpc service stays stale after \`${RESTART_COMMAND}\`.`);
    }
    const after = await this.probe();
    this.validate('Restart + probe', [`The probe reported "t_ms"; the service is now ${after.state}.`], 'proceed');
  }

  private async testRun(label: RunLabel, args: string[]): Promise<PytestRun> {
    await this.ensureFresh();
    const command = displayCommand(args);
    if (!this.repro.includes(command)) this.repro.push(command);
    this.emit({ type: 'command', purpose: 'pytest', command, cwd: this.o.workspace });
    const run = await runPytest({
      cwd: this.o.workspace,
      python: this.python,
      args,
      label,
      artifactsDir: join(this.o.workspace, ARTIFACTS_DIR),
      ndSmoke: this.settings.ndSmoke,
      signal: this.signal,
      tracker: this.tracker,
      log: this.log,
      baseEnv: this.o.env,
      html: this.html,
      onOutput: (text) => this.emit({ type: 'output', source: 'pytest', text }),
    });
    this.lastRun = run;
    if (!this.html) {
      await writeFile(join(this.o.workspace, ARTIFACTS_DIR, 'smoke.html'), renderHtmlReport(run, `Smokes Fixer — ${label} run`));
    }
    this.runLog.write('run', {
      label,
      command,
      argv: run.argv,
      exitCode: run.exitCode,
      counts: run.counts,
      failures: run.failures.map((f) => ({ nodeid: f.nodeid, signature: f.signature })),
    });
    this.emit({ type: 'run-finished', run });
    return run;
  }

  private relevantFailures(run: PytestRun): Failure[] {
    const excluded = new Set(this.o.excludedSignatures ?? []);
    return run.failures.filter((f) => !excluded.has(f.signature));
  }

  /** One attempt on one signature: verbosity, producer, checks, preview, apply, verify, verdict. */
  private async attempt(failure: Failure, attempt: number): Promise<AttemptVerdict> {
    const sig = failure.signature;
    const args = attemptArgs(attempt, this.selection, failure.nodeid);
    this.emit({ type: 'attempt-started', signature: sig, nodeid: failure.nodeid, attempt, command: displayCommand(args) });

    // Spec step 5: attempt 1 works from the baseline output; 2 and 3 re-run with more detail.
    let workRun = this.current!;
    if (attempt > 1) {
      workRun = await this.testRun(attempt === 2 ? 'attempt' : 'rerun', args);
      const seen = workRun.failures.find((f) => f.signature === sig);
      this.validate(
        `Attempt ${attempt} run`,
        [summaryLine(workRun), seen ? `${failure.nodeid} fails the same way: asking for a patch.` : `${failure.nodeid} did not fail the same way in this run; working from its output anyway.`],
        'proceed',
      );
      if (attempt === 2) {
        // The --tb=short run is a full baseline run of the same tree: it is the freshest picture.
        this.current = workRun;
        this.ledger.observe(workRun.failures);
      }
    }
    const targetFailure = workRun.failures.find((f) => f.signature === sig) ?? failure;

    // Spec step 7: once per signature, on its third attempt.
    let investigation: PatchRequest['investigation'] = null;
    if (attempt === 3 && this.o.investigator && !this.investigated.has(sig)) {
      this.investigated.add(sig);
      try {
        investigation = await this.o.investigator.investigate({
          failure: targetFailure,
          workspace: this.o.workspace,
          errorText: targetFailure.longrepr ?? `${targetFailure.exceptionType}: ${targetFailure.message}`,
          codeContext: null,
          pythonVersion: null,
          signal: this.signal,
          log: this.log,
          emit: (event) => this.emit(event),
        });
        this.runLog.write('investigation', { signature: sig, answers: investigation });
      } catch (error) {
        if (isAbortError(error)) throw error;
        this.log.warn(`Assisted investigation failed: ${describeError(error)}; going on without it.`);
      }
    }

    const request = await buildPatchRequest({
      workspace: this.o.workspace,
      attempt,
      failure: targetFailure,
      run: workRun,
      allowTestEdits: this.settings.allowTestEdits,
      previousAttempts: [...(this.previousAttempts.get(sig) ?? [])],
      investigation,
    });
    this.runLog.write('request', { request });
    this.emit({ type: 'command', purpose: 'producer', command: this.o.producer.label, cwd: this.o.workspace });
    const result = await this.o.producer.propose(request, {
      signal: this.signal,
      log: this.log,
      tracker: this.tracker,
      onOutput: (text) => this.emit({ type: 'output', source: 'producer', text }),
    });
    throwIfAborted(this.signal);
    this.runLog.write('answer', { result });

    if (result.kind === 'exhausted') {
      this.finishAttempt(failure, attempt, 'no-patch', `The producer has nothing left to offer: ${result.reason}`, null);
      throw new Stop('retry budget', `The producer has nothing left to offer (${result.reason}).`);
    }
    if (result.kind === 'none') {
      return this.finishAttempt(failure, attempt, 'no-patch', `No patch: ${result.reason}`, null);
    }
    const diff = extractDiff(result.text);
    if (!diff) return this.finishAttempt(failure, attempt, 'no-patch', 'The answer holds no unified diff.', null);

    let patch: PatchSummary;
    try {
      patch = summarizePatch(diff);
    } catch (error) {
      return this.finishAttempt(failure, attempt, 'not-applied', describeError(error), diff);
    }
    this.emit({ type: 'patch-proposed', signature: sig, attempt, patch });

    const tooLarge = exceedsLimits(patch);
    if (tooLarge) {
      this.lastPatchDiff = patch.diff;
      this.finishAttempt(failure, attempt, 'too-large', tooLarge, patch.diff);
      throw new Stop('patch size', tooLarge);
    }
    try {
      await checkPatchPaths(patch, this.o.workspace);
    } catch (error) {
      return this.finishAttempt(failure, attempt, 'refused', describeError(error), patch.diff);
    }
    const integrity = checkTestIntegrity(patch, {
      testFiles: [...new Set([...this.baseline!.collected, ...this.baseline!.tests.map((t) => t.nodeid)].map((id) => id.split('::')[0]))],
      testDirs: this.selection.select.length === 0 && !this.selection.markExpr ? ['tests/smoke'] : [],
      allowTestEdits: this.settings.allowTestEdits,
    });
    if (!integrity.ok) return this.finishAttempt(failure, attempt, 'refused', integrity.reason, patch.diff);

    if (this.o.reviewPatch) {
      const answer = await this.o.reviewPatch({ patch, signature: sig, attempt, workspace: this.o.workspace }, this.signal);
      throwIfAborted(this.signal);
      if (answer !== 'apply') return this.finishAttempt(failure, attempt, 'rejected-by-user', 'The patch was rejected in the preview.', patch.diff);
    }

    const checkpoint = await this.snapshots!.take(`attempt-${this.ledger.loops}`);
    let files: string[];
    try {
      ({ files } = await applyPatch(patch, this.o.workspace, { signal: this.signal }));
    } catch (error) {
      if (isAbortError(error)) throw error;
      return this.finishAttempt(failure, attempt, 'not-applied', describeError(error), patch.diff);
    }
    this.pendingCheckpoint = checkpoint;
    this.lastPatchAt = new Date();
    this.lastPatchDiff = patch.diff;
    this.runLog.write('applied', { signature: sig, attempt, diff: patch.diff, files });
    this.emit({ type: 'patch-applied', signature: sig, attempt, files });
    this.validate('Patch applied', [`${patch.fileCount} file(s), ${patch.changedLines} changed line(s): ${files.join(', ')}.`, 'Verifying with the baseline command.'], 'proceed');

    // Spec step 6: verify with the baseline command.
    const before = this.current!;
    const verification = await this.testRun('verification', baselineArgs(this.selection));
    const verdict = judgePatch(before, verification);
    this.pendingCheckpoint = null;

    if (verdict.kind === 'regression') {
      await this.rollbackToStart(verdict.explanation);
      this.current = this.baseline;
      this.finishAttempt(failure, attempt, 'regression', verdict.explanation, patch.diff);
      throw new Stop('regression', verdict.explanation);
    }
    if (verdict.kind === 'fixed') {
      this.current = verification;
      this.ledger.observe(verification.failures);
      this.appliedPatches.push(patch.diff);
      this.validate('Verification', [summaryLine(verification), `${verdict.explanation} Keeping the patch.`], 'proceed');
      return this.finishAttempt(failure, attempt, 'kept', verdict.explanation, patch.diff);
    }
    const restored = await this.snapshots!.restore(checkpoint);
    this.emit({ type: 'patch-reverted', signature: sig, attempt, files: [...restored.written, ...restored.removed] });
    this.lastPatchAt = new Date(); // the service may have loaded the reverted code: refresh it too
    this.validate('Verification', [summaryLine(verification), `${verdict.explanation} Reverting the patch.`], 'proceed');
    return this.finishAttempt(failure, attempt, 'reverted', verdict.explanation, patch.diff);
  }

  private finishAttempt(failure: Failure, attempt: number, verdict: AttemptVerdict, detail: string, diff: string | null): AttemptVerdict {
    const list = this.previousAttempts.get(failure.signature) ?? [];
    list.push({ attempt, verdict, detail, diff });
    this.previousAttempts.set(failure.signature, list);
    this.emit({ type: 'attempt-finished', signature: failure.signature, nodeid: failure.nodeid, attempt, verdict, detail, diff });
    this.runLog.write('verdict', { signature: failure.signature, attempt, verdict, detail });
    if (verdict !== 'kept' && verdict !== 'reverted' && verdict !== 'regression') {
      this.validate(`Attempt ${attempt}`, [detail, 'The attempt is spent.'], 'proceed');
    }
    return verdict;
  }

  /** PRODUCT.md 6: back to the tree as it was before the first patch, user edits included. */
  private async rollbackToStart(why: string): Promise<void> {
    const store = this.snapshots!;
    let files: string[];
    if (this.settings.hardReset && this.cleanAtStart && store.mode === 'git') {
      this.emit({ type: 'command', purpose: 'rollback', command: 'git reset --hard && git clean -fd', cwd: this.o.workspace });
      await store.hardReset();
      files = [];
    } else {
      this.emit({ type: 'command', purpose: 'rollback', command: `restore snapshot ${this.startSnapshot!.commit.slice(0, 12)}`, cwd: this.o.workspace });
      const restored = await store.restore(this.startSnapshot!);
      files = [...restored.written, ...restored.removed];
    }
    this.appliedPatches.length = 0;
    this.emit({ type: 'rollback', reason: why, files });
    this.validate('Rollback', [`The tree is back to its state before the first patch (${files.length} file(s) restored).`, 'Stopping to escalate.'], 'escalate');
  }

  /** A patch on disk without a verdict (cancel, time budget, crash) is taken back. */
  private async takeBackPendingPatch(why: string): Promise<void> {
    const checkpoint = this.pendingCheckpoint;
    if (!checkpoint || !this.snapshots) return;
    this.pendingCheckpoint = null;
    try {
      const restored = await this.snapshots.restore(checkpoint);
      this.emit({ type: 'rollback', reason: `The patch under verification was taken back after ${why}.`, files: [...restored.written, ...restored.removed] });
    } catch (error) {
      this.log.error(`Could not take back the patch under verification: ${describeError(error)}. Run \`smokes-fixer restore\`.`);
    }
  }

  private async succeed(): Promise<LoopOutcome> {
    const lost = lostTests(this.baseline!, this.current!);
    if (lost.length > 0) {
      throw new Stop('retry budget', `No failures remain, but ${lost.length} test(s) that ran in the baseline were skipped or not run: ${lost.slice(0, 5).join(', ')}.`);
    }
    const artifacts = await this.finishArtifacts();
    const fixed = this.ledger.all().filter((s) => s.state === 'fixed' || (s.attempts > 0 && s.state !== 'exhausted'));
    const summary = this.redactJson({
      status: 'success' as const,
      loops: this.ledger.loops,
      fixed: fixed.map((s) => ({ nodeid: s.nodeid, signature: s.signature, attempts: s.attempts })),
      repro_commands: [...this.repro],
      applied_patches: [...this.appliedPatches],
      artifacts,
    });
    await writeFile(join(this.o.workspace, SUMMARY_FILE), JSON.stringify(summary, null, 2) + '\n');
    this.validate('Final', [`All selected tests pass after ${this.ledger.loops} loop(s) and ${this.appliedPatches.length} kept patch(es).`], 'done');
    const outcome: LoopOutcome = { kind: 'success', loops: this.ledger.loops, fixed, appliedPatches: [...this.appliedPatches], summary };
    this.emit({ type: 'stopped', outcome });
    return outcome;
  }

  private async finishArtifacts(): Promise<string[]> {
    // Artifacts are collected after the budget too, with their own short limits.
    const reqs = await writeRequirementsSnapshot({ python: this.python || 'python3', workspace: this.o.workspace }).catch(() => null);
    if (reqs === null) this.log.warn('pip freeze was not available: requirements.snapshot.txt not written.');
    const artifacts = await artifactList(this.o.workspace);
    this.emit({ type: 'artifacts', paths: artifacts });
    return artifacts;
  }

  private async buildBundle(reason: StopReason): Promise<EscalationBundle> {
    const remaining = this.current ? this.relevantFailures(this.current) : [];
    const failures = remaining.map((f) => ({ nodeid: f.nodeid, signature: f.signature, attempts: this.ledger.attemptsFor(f.signature) }));
    const artifacts = await this.finishArtifacts();
    const freshness = await collectFreshnessOutputs({ url: this.settings.metaUrl, timeoutMs: 2000 }).catch(() => null);
    return this.redactJson<EscalationBundle>({
      reason,
      failures,
      repro_commands: [...this.repro],
      last_patch_diff: this.lastPatchDiff,
      artifacts: artifacts.length > 0 ? artifacts : null,
      exec_rpc_freshness: freshness ? { meta: freshness.meta, ss: freshness.ss } : { meta: null, ss: null },
    });
  }

  /** A JSON value with the secrets blanked (placeholders hold no quote or backslash: still valid JSON). */
  private redactJson<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }

  private async escalate(reason: StopReason, detail: string): Promise<LoopOutcome> {
    await this.takeBackPendingPatch(reason);
    const bundle = await this.buildBundle(reason);
    const bundlePath = await writeBundleFile(this.o.workspace, bundle);
    this.runLog.write('bundle', { bundle });
    this.validate('Stop', [`${detail}`, `Escalating with reason "${reason}"; bundle in ${bundlePath}.`], 'escalate');
    const outcome: LoopOutcome = { kind: 'escalated', reason, detail, loops: this.ledger.loops, bundle, bundlePath };
    this.emit({ type: 'stopped', outcome });
    return outcome;
  }

  private async aborted(): Promise<LoopOutcome> {
    const reason = this.signal.reason;
    const timedOut = reason instanceof SmokesError && reason.code === 'time-budget';
    await this.tracker.killAll(1000);
    await this.takeBackPendingPatch(timedOut ? 'the time budget ran out' : 'cancellation');
    if (timedOut) {
      return this.escalate('time budget', describeError(reason));
    }
    // A cancelled run still leaves a bundle a colleague can act on; its reason is the closest of the
    // spec's four: the run's time ended early, by the user's hand.
    const bundle = this.current ? await this.buildBundle('time budget') : null;
    if (bundle) await writeBundleFile(this.o.workspace, bundle);
    this.validate('Cancelled', ['The run was cancelled: its processes were ended and any patch under verification was taken back.'], 'escalate');
    const outcome: LoopOutcome = { kind: 'cancelled', loops: this.ledger.loops, detail: 'Cancelled by the user.', bundle };
    this.emit({ type: 'stopped', outcome });
    return outcome;
  }
}

function summaryLine(run: PytestRun): string {
  const c = run.counts;
  const parts = [`${c.passed} passed`, `${c.failed} failed`];
  if (c.errors) parts.push(`${c.errors} error(s)`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.deselected) parts.push(`${c.deselected} deselected`);
  return `${run.command} → exit ${run.exitCode} (${run.exitMeaning}): ${parts.join(', ')}.`;
}

/** `smokes-fixer restore`: brings back the start snapshot of the last loop. */
export async function restoreLastSnapshot(workspace: string, log?: Logger): Promise<{ written: string[]; removed: string[] } | null> {
  const store = await SnapshotStore.open(workspace, { log });
  const state = await store.loadLoopState();
  if (!state) return null;
  return store.restore(state.startSnapshot);
}
