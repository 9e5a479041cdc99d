import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Decision, FreshnessStatus, Investigator, Logger, LoopEvent, LoopOutcome, PatchProducer, PytestRun, RunLabel, StopReason } from './types';
import { LIMITS, silentLogger } from './types';
import { SmokesError, describeError, isAbortError } from './errors';
import { ProcessTracker, throwIfAborted } from './processes';
import { AttemptLedger } from './ledger';
import { lostTests } from './verdict';
import { RunLog } from './runLog';
import { baselineArgs, displayCommand, type Selection } from './pytestCommand';
import { detectPytest, runPytest } from './pytestRunner';
import { acquireLockIfUsed, acquireWorkspaceLock } from './lock';
import { displayPython, environmentProblem, findInterpreter, type Interpreter } from './interpreter';
import { renderHtmlReport } from './htmlReport';
import { SnapshotStore, type LoopState, type Snapshot } from './snapshot';
import { collectFreshnessOutputs, isFreshnessConfigured, probeFreshness, RESTART_COMMAND, restartAndProbe } from './freshness';
import { artifactList, artifactWriteError, beginRunArtifacts, ensureArtifactsWritable, freezeRequirements, writeBundleFile, writeRequirementsSnapshot } from './artifacts';
import type { EscalationBundle } from './bundle';
import { defaultSettings, type Settings } from './settings';
import { pauseForTest } from './testHooks';
import { normalisePatch } from './patch';
import type { Conflict, LoopWrite } from './workingTree';
import {
  conflictDir,
  describeConflicts,
  driveAttempts,
  revertPending,
  rollbackAll,
  Stop,
  summaryLine,
  WriteJournal,
  type AttemptEnv,
  type PatchReviewer,
  type Progress,
} from './attempt';
import { runRedactor, type Redactor } from './secrets';

export interface LoopOptions {
  workspace: string;
  settings: Settings;
  producer: PatchProducer;
  python?: string;
  /** Why `python` (for the checklist), e.g. "the Python extension's environment". */
  pythonReason?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
  onEvent?: (e: LoopEvent) => void;
  /**
   * A promise while the face showing `output` events is behind (a terminal on a slow pipe): the test
   * run's output is then read no faster than it is shown, so it does not pile up in memory.
   */
  outputBusy?: () => Promise<void> | null;
  reviewPatch?: PatchReviewer;
  investigator?: Investigator;
  only?: string[];
  excludedSignatures?: string[];
}

export const ARTIFACTS_DIR = 'artifacts';
export const RUN_LOG = 'artifacts/run-log.jsonl';
export const SUMMARY_FILE = 'artifacts/summary.json';
/** The latest pytest run's whole output (capped), beside the run log. */
export const OUTPUT_FILE = 'artifacts/pytest-output.txt';

/**
 * The repair loop of loop-spec.md, read as PRODUCT.md decides. One path: baseline, freshness, then per
 * failure signature up to three attempts with escalating verbosity, each patch verified against the
 * baseline command, kept, reverted or rolled back, until a stop condition. The attempt's stages live in
 * `./attempt/`; this class sets the run up, runs pytest, keeps the service fresh and writes what stays.
 */
export async function runLoop(o: LoopOptions): Promise<LoopOutcome> {
  return new RepairLoop(o).run();
}

/** Set before the baseline: what the test runs, `restore` and the take-backs need. */
interface Prepared {
  python: string;
  html: boolean;
  store: SnapshotStore;
  /** Taken while the baseline runs (pytest does not write the sources); awaited before any patch. */
  startSnapshot: Snapshot | null;
  cleanAtStart: boolean;
  freshnessOn: boolean;
}

class RepairLoop {
  private readonly settings: Settings;
  private readonly log: Logger;
  private readonly tracker = new ProcessTracker();
  private readonly controller = new AbortController();
  private readonly runLog: RunLog;
  private readonly selection: Selection;
  /** Names this run's conflict folder (.smokes-fixer/conflicts/<runId>). */
  private interpreter: Interpreter | null = null;
  /** The interpreter as a person types it in the workspace (repro commands). */
  private pythonShown = 'python3';
  /** `pip freeze`, started beside the baseline and written at the end (it never holds up a test run). */
  private freeze: Promise<string | null> | null = null;
  /** The fallback smoke.html of the last run, written while the loop goes on. */
  private htmlWritten: Promise<void> = Promise.resolve();
  /** Why the fallback smoke.html could not be written (a full or read-only disk), raised at the end. */
  private htmlError: Error | null = null;
  private readonly startedAt = new Date().toISOString();
  private readonly runId = `${this.startedAt.replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  private readonly repro: string[] = [];
  private readonly published = new Map<string, string>();
  private readonly ledger: AttemptLedger;
  private readonly journal = new WriteJournal((writes) => this.saveState(true, writes));
  private prepared: Prepared | null = null;
  /** The start snapshot under way (see `prepare`); settles before the run ends. */
  private snapshotting: Promise<void> | null = null;
  private snapshotLogged = false;
  /** Set once the baseline ran. */
  private progress: Progress | null = null;
  /** Blanks the environment's secrets in everything the loop writes to disk or hands out as a bundle. */
  private readonly redact: Redactor;

  constructor(private readonly o: LoopOptions) {
    this.settings = o.settings ?? defaultSettings;
    this.log = o.log ?? silentLogger;
    this.redact = runRedactor(o.env);
    this.runLog = new RunLog(join(o.workspace, RUN_LOG), this.redact, join(o.workspace, OUTPUT_FILE));
    this.ledger = new AttemptLedger(this.settings.retries, this.settings.maxLoops, new Set(o.excludedSignatures ?? []));
    this.selection = o.only && o.only.length > 0
      ? { select: [...o.only], markExpr: '' }
      : { select: this.settings.select, markExpr: this.settings.markExpr };
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private emit(event: LoopEvent): void {
    this.runLog.event(event);
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

  /**
   * The start snapshot in the run log, once: written after the baseline, since a record written while a
   * test run streams would cut that run's output in two.
   */
  private logSnapshot(): void {
    const p = this.prepared;
    if (!p?.startSnapshot || this.snapshotLogged) return;
    this.snapshotLogged = true;
    this.runLog.write('snapshot', { name: 'start', commit: p.startSnapshot.commit, mode: p.store.mode, cleanAtStart: p.cleanAtStart, runId: this.runId });
  }

  /** The loop state on disk: what `smokes-fixer restore` reads after a crash. */
  private async saveState(running: boolean, writes: LoopWrite[] = this.journal.all()): Promise<void> {
    const p = this.prepared;
    if (!p) return;
    const state: LoopState = { running, startSnapshot: p.startSnapshot, startedAt: this.startedAt, pid: process.pid, runId: this.runId, writes };
    await p.store.saveLoopState(state);
  }

  /** The attempt's window on the loop. */
  private attemptEnv(p: Prepared): AttemptEnv {
    return {
      workspace: this.o.workspace,
      runId: this.runId,
      selection: this.selection,
      allowTestEdits: this.settings.allowTestEdits,
      producer: this.o.producer,
      tree: p.store,
      signal: this.signal,
      log: this.log,
      tracker: this.tracker,
      reviewPatch: this.o.reviewPatch,
      investigator: this.o.investigator,
      runTests: (label, args) => this.testRun(label, args),
      emit: (e) => this.emit(e),
      validate: (a, l, d) => this.validate(a, l, d),
      record: (kind, data) => this.runLog.write(kind, data),
      publishLedger: () => this.publishLedger(),
      pythonShown: this.pythonShown,
      normalise: (diff) => normalisePatch(diff, this.o.workspace, { signal: this.signal }),
      environmentProblem: (failure) =>
        environmentProblem(failure, { python: p.python, pythonDisplay: this.pythonShown, workspace: this.o.workspace, signal: this.signal }),
      literalReset: this.settings.hardReset && p.cleanAtStart && p.store.mode === 'git' ? () => p.store.hardReset() : undefined,
    };
  }

  async run(): Promise<LoopOutcome> {
    // One loop per workspace (PRODUCT.md 23): taken before anything is written, released on every exit.
    const lock = acquireWorkspaceLock(this.o.workspace, { log: this.log });
    try {
      await beginRunArtifacts(this.o.workspace, { log: this.log });
      return await this.runLocked();
    } finally {
      this.runLog.close();
      lock.release();
    }
  }

  private async runLocked(): Promise<LoopOutcome> {
    const budgetMs = this.settings.timeBudgetSeconds * 1000;
    const onOuterAbort = () => this.controller.abort(new SmokesError('cancelled', 'The run was cancelled.'));
    if (this.o.signal?.aborted) onOuterAbort();
    this.o.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const deadlineTimer = setTimeout(() => {
      this.controller.abort(
        new SmokesError('time-budget', `The loop's time budget of ${this.settings.timeBudgetSeconds}s ran out.`),
      );
    }, budgetMs);
    // Ending the run ends everything it started, children included.
    this.signal.addEventListener('abort', () => {
      this.tracker.killAll(1500).catch((error: unknown) => this.log.error(`Could not end the run's processes: ${describeError(error)}`));
    }, { once: true });
    this.runLog.write('start', {
      workspace: this.o.workspace,
      settings: this.settings,
      producer: this.o.producer.label,
      only: this.o.only ?? null,
    });

    try {
      return await this.loop();
    } catch (error) {
      if (error instanceof Stop) return await this.escalate(error.reason, error.detail, error.conflicts);
      if (isAbortError(error) || this.signal.aborted) return await this.aborted();
      this.runLog.write('error', { message: describeError(error) });
      await this.takeBackPendingPatch('an error');
      if (error instanceof SmokesError && error.code === 'artifacts') await this.takeBackAllPatches(error.message);
      throw error;
    } finally {
      clearTimeout(deadlineTimer);
      this.o.signal?.removeEventListener('abort', onOuterAbort);
      await this.tracker.killAll(500);
      await this.snapshotting?.catch(() => undefined);
      this.logSnapshot();
      await this.htmlWritten;
      await this.saveState(false).catch(() => undefined);
    }
  }

  private checklist(): string[] {
    return [
      `Run the baseline with ${this.interpreter?.why ?? this.pythonShown}: ${displayCommand(baselineArgs(this.selection), this.pythonShown)} (results from JUnit XML)`,
      'Check that the exec-rpc service is fresh before each test run; restart and probe it when stale (skipped where it is not configured)',
      `Track each failure by signature (node id, exception, file:line, message), at most ${this.settings.retries} attempts each`,
      `Ask ${this.o.producer.label} for a unified diff (≤ ${LIMITS.maxFiles} files, ≤ ${LIMITS.maxChangedLines} lines) and check it before it touches the tree`,
      'Verify each patch with the baseline: keep it, revert it, or roll back and escalate',
      `Stop when all pass, a signature is exhausted, after ${this.settings.maxLoops} loops, on an oversized patch, or after ${this.settings.timeBudgetSeconds}s`,
      'Write artifacts (smoke.xml, smoke.html, requirements snapshot) and the escalation bundle when stopping; the previous run\'s are in artifacts/previous/, and in a git repository these files stay out of git status through .git/info/exclude',
    ];
  }

  private async loop(): Promise<LoopOutcome> {
    await this.chooseInterpreter();
    this.emit({ type: 'checklist', items: this.checklist() });
    // Before the snapshot and the first run: nothing is touched when the results could not be recorded.
    await ensureArtifactsWritable(this.o.workspace);
    const prepared = await this.prepare();

    const baseline = await this.testRun('baseline', baselineArgs(this.selection));
    // The start snapshot was taken while the baseline ran; no patch is applied before it is recorded.
    await this.snapshotting;
    this.logSnapshot();
    this.ledger.observe(baseline.failures);
    this.publishLedger();
    this.validate(
      'Baseline run',
      [summaryLine(baseline), baseline.failures.length === 0 ? 'Nothing to repair.' : `${baseline.failures.length} failure signature(s) to work on.`],
      baseline.failures.length === 0 ? 'done' : 'proceed',
    );
    const progress: Progress = {
      ledger: this.ledger,
      baseline,
      current: baseline,
      journal: this.journal,
      appliedPatches: [],
      lastPatchAt: null,
      lastPatchDiff: null,
      investigated: new Set(),
      previousAttempts: new Map(),
    };
    this.progress = progress;
    await driveAttempts(this.attemptEnv(prepared), progress, { excluded: new Set(this.o.excludedSignatures ?? []), publish: () => this.publishLedger() });
    return await this.succeed(progress);
  }

  /** PRODUCT.md 27: the given interpreter, else configured, VIRTUAL_ENV, .venv/, venv/, python3, python. */
  private async chooseInterpreter(): Promise<void> {
    this.interpreter = this.o.python
      ? { python: this.o.python, source: 'editor', why: this.o.pythonReason ?? `${this.o.python} (given by the editor)` }
      : await findInterpreter(this.settings.pythonPath, this.o.workspace, this.o.env ?? process.env);
    this.pythonShown = displayPython(this.interpreter.python, this.o.workspace);
    this.runLog.write('interpreter', { python: this.interpreter.python, source: this.interpreter.source, why: this.interpreter.why });
  }

  /** pytest, snapshots, freshness set-up: everything checked before the first run. */
  private async prepare(): Promise<Prepared> {
    const ws = this.o.workspace;
    const python = this.interpreter!.python;
    const pytest = await detectPytest(python, ws, this.signal);
    if (!pytest.ok) {
      throw new SmokesError(
        'pytest-missing',
        `pytest is not available to ${python}: ${pytest.error ?? 'unknown error'}.`,
        'Install pytest in that interpreter, or point the pythonPath setting (--python) at one that has it.',
      );
    }
    // No signal: the freeze is an artifact of cancelled and timed-out runs too (finishArtifacts).
    this.freeze = freezeRequirements({ python, workspace: ws }).catch(() => null);
    const store = await SnapshotStore.open(ws, { log: this.log, signal: this.signal });
    const freshnessOn = await isFreshnessConfigured(ws, this.settings);
    const prepared: Prepared = { python, html: pytest.html, store, startSnapshot: null, cleanAtStart: false, freshnessOn };
    this.prepared = prepared;
    // Recorded before the baseline starts: a loop killed from here on leaves a state whose writes (none
    // yet) are what `restore` undoes, never an earlier run's.
    await this.saveState(true, []);
    // pytest does not write the sources, so the start snapshot is taken while the baseline runs; the loop
    // awaits it before any patch. Settled (with the run's signal ending it) before the run ends.
    this.snapshotting = (async () => {
      await pauseForTest('snapshot');
      const cleanAtStart = await store.isClean();
      const startSnapshot = await store.take('start');
      prepared.cleanAtStart = cleanAtStart;
      prepared.startSnapshot = startSnapshot;
      await this.saveState(true, []);
    })();
    // Awaited after the baseline; this only keeps a failure from being reported as unhandled meanwhile.
    this.snapshotting.catch(() => undefined);
    if (!freshnessOn) {
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
    return this.prepared;
  }

  /** GET /__meta once, shown to the faces as a freshness event. */
  private async probe(): Promise<FreshnessStatus> {
    const status = await probeFreshness({
      url: this.settings.metaUrl,
      timeoutMs: this.settings.freshnessTimeoutMs,
      workspace: this.o.workspace,
      lastPatchAt: this.progress?.lastPatchAt ?? null,
      signal: this.signal,
    });
    this.emit({ type: 'freshness', status });
    return status;
  }

  /** Spec step 2 before every test run: probe /__meta; when stale, restart + probe once. */
  private async ensureFresh(): Promise<void> {
    if (!this.prepared?.freshnessOn) return;
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
      this.validate('Restart + probe', [`${restart.problem ?? `The probe did not report "t_ms" (exit ${restart.exitCode ?? 'none'}).`}`, 'The service stays stale: escalating.'], 'escalate');
      throw new Stop('retry budget', `The exec-rpc service stays stale after \`${RESTART_COMMAND}\`: ${restart.problem ?? 'the probe did not report "t_ms"'}`);
    }
    const after = await this.probe();
    this.validate('Restart + probe', [`The probe reported "t_ms"; the service is now ${after.state}.`], 'proceed');
  }

  private async testRun(label: RunLabel, args: string[]): Promise<PytestRun> {
    await this.ensureFresh();
    const command = displayCommand(args, this.pythonShown);
    if (!this.repro.includes(command)) this.repro.push(command);
    this.emit({ type: 'command', purpose: 'pytest', command, cwd: this.o.workspace });
    const prepared = this.prepared!;
    const running = runPytest({
      cwd: this.o.workspace,
      python: prepared.python,
      args,
      label,
      artifactsDir: join(this.o.workspace, ARTIFACTS_DIR),
      ndSmoke: this.settings.ndSmoke,
      signal: this.signal,
      tracker: this.tracker,
      log: this.log,
      baseEnv: this.o.env,
      html: prepared.html,
      pythonDisplay: this.pythonShown,
      onOutput: (text) => this.emit({ type: 'output', source: 'pytest', text }),
      readPause: this.o.outputBusy,
    });
    await pauseForTest(`pytest:${label}`);
    const run = await running;
    if (!prepared.html) {
      // Off the critical path: rendered and written while the next step runs, awaited at the end.
      const path = join(this.o.workspace, ARTIFACTS_DIR, 'smoke.html');
      this.htmlWritten = this.htmlWritten
        .then(() => writeFile(path, renderHtmlReport(run, `Smokes Fixer — ${label} run`)))
        .catch((error: unknown) => {
          const failure = artifactWriteError(path, error);
          this.htmlError ??= failure instanceof Error ? failure : new Error(String(failure));
        });
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

  /** A patch on disk without a verdict (cancel, time budget, an error) is taken back, its files only. */
  /**
   * A run that cannot record its results (a full or read-only disk) must not leave changes nobody can
   * review: its kept patches are taken back too, by the undo rule (only the loop's own writes).
   */
  private async takeBackAllPatches(why: string): Promise<void> {
    if (!this.prepared || !this.progress || this.progress.appliedPatches.length === 0) return;
    try {
      await rollbackAll(this.attemptEnv(this.prepared), this.progress, why);
    } catch (error) {
      this.log.error(`Could not take back the loop's patches: ${describeError(error)}. Run \`smokes-fixer restore\`.`);
    }
  }

  private async takeBackPendingPatch(why: string): Promise<Conflict[]> {
    if (!this.prepared || !this.progress || !this.journal.pending) return [];
    try {
      const undone = await revertPending(this.attemptEnv(this.prepared), this.progress);
      this.emit({ type: 'rollback', reason: `The patch under verification was taken back after ${why}.`, files: undone.restored, conflicts: undone.conflicts });
      return undone.conflicts;
    } catch (error) {
      this.log.error(`Could not take back the patch under verification: ${describeError(error)}. Run \`smokes-fixer restore\`.`);
      return [];
    }
  }

  private relevant(run: PytestRun) {
    const excluded = new Set(this.o.excludedSignatures ?? []);
    return run.failures.filter((f) => !excluded.has(f.signature));
  }

  private async succeed(p: Progress): Promise<LoopOutcome> {
    const lost = lostTests(p.baseline, p.current);
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
      applied_patches: [...p.appliedPatches],
      artifacts,
    });
    const summaryPath = join(this.o.workspace, SUMMARY_FILE);
    await writeFile(summaryPath, JSON.stringify(summary, null, 2) + '\n').catch((error: unknown) => {
      throw artifactWriteError(summaryPath, error);
    });
    this.validate('Final', [`All selected tests pass after ${this.ledger.loops} loop(s) and ${p.appliedPatches.length} kept patch(es).`], 'done');
    const outcome: LoopOutcome = { kind: 'success', loops: this.ledger.loops, fixed, appliedPatches: [...p.appliedPatches], summary };
    this.emit({ type: 'stopped', outcome });
    return outcome;
  }

  private async finishArtifacts(): Promise<string[]> {
    // Artifacts are collected after the budget too, with their own short limits.
    await this.htmlWritten;
    if (this.htmlError) throw this.htmlError;
    const reqs = await writeRequirementsSnapshot({ python: this.prepared?.python || 'python3', workspace: this.o.workspace, freeze: this.freeze ?? undefined }).catch(() => null);
    if (reqs === null) this.log.warn('pip freeze was not available: requirements.snapshot.txt not written.');
    const artifacts = await artifactList(this.o.workspace);
    this.emit({ type: 'artifacts', paths: artifacts });
    return artifacts;
  }

  private async buildBundle(reason: StopReason): Promise<EscalationBundle> {
    const remaining = this.progress ? this.relevant(this.progress.current) : [];
    const failures = remaining.map((f) => ({ nodeid: f.nodeid, signature: f.signature, attempts: this.ledger.attemptsFor(f.signature) }));
    const artifacts = await this.finishArtifacts();
    const freshness = await collectFreshnessOutputs({ url: this.settings.metaUrl, timeoutMs: 2000 }).catch(() => null);
    return this.redactJson<EscalationBundle>({
      reason,
      failures,
      repro_commands: [...this.repro],
      last_patch_diff: this.progress?.lastPatchDiff ?? null,
      artifacts: artifacts.length > 0 ? artifacts : null,
      exec_rpc_freshness: freshness ? { meta: freshness.meta, ss: freshness.ss } : { meta: null, ss: null },
    });
  }

  /** A JSON value with the secrets blanked (placeholders hold no quote or backslash: still valid JSON). */
  private redactJson<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }

  private async escalate(reason: StopReason, stopDetail: string, stopConflicts: Conflict[] = []): Promise<LoopOutcome> {
    const conflicts = [...stopConflicts, ...(await this.takeBackPendingPatch(reason))];
    const detail = stopConflicts.length === conflicts.length ? stopDetail : stopDetail + describeConflicts(conflicts.slice(stopConflicts.length));
    const bundle = await this.buildBundle(reason);
    await pauseForTest('bundle');
    const bundlePath = await writeBundleFile(this.o.workspace, bundle);
    this.runLog.write('bundle', { bundle });
    this.validate('Stop', [`${detail}`, `Escalating with reason "${reason}"; bundle in ${bundlePath}.`], 'escalate');
    const outcome: LoopOutcome = { kind: 'escalated', reason, detail, loops: this.ledger.loops, bundle, bundlePath, conflicts };
    this.emit({ type: 'stopped', outcome });
    return outcome;
  }

  private async aborted(): Promise<LoopOutcome> {
    const reason: unknown = this.signal.reason;
    const timedOut = reason instanceof SmokesError && reason.code === 'time-budget';
    await this.tracker.killAll(1000);
    if (timedOut) {
      return this.escalate('time budget', describeError(reason));
    }
    const conflicts = await this.takeBackPendingPatch('cancellation');
    // A cancelled run still leaves a bundle a colleague can act on; its reason is the closest of the
    // spec's four: the run's time ended early, by the user's hand.
    const bundle = this.progress ? await this.buildBundle('time budget') : null;
    if (bundle) await writeBundleFile(this.o.workspace, bundle);
    const detail = `Cancelled by the user.${describeConflicts(conflicts)}`;
    this.validate('Cancelled', ['The run was cancelled: its processes were ended and any patch under verification was taken back.', ...(conflicts.length ? [describeConflicts(conflicts).trim()] : [])], 'escalate');
    const outcome: LoopOutcome = { kind: 'cancelled', loops: this.ledger.loops, detail, bundle, conflicts };
    this.emit({ type: 'stopped', outcome });
    return outcome;
  }
}

/**
 * `smokes-fixer restore`: undoes the last loop's own writes by the rule of PRODUCT.md 26, from the loop
 * state it recorded before each write. Files it did not write are not looked at, so work done after a
 * crash stays; a file changed since the loop wrote it is kept and the loop's intended content saved aside.
 * Null when no loop ran here.
 */
export async function restoreLastSnapshot(
  workspace: string,
  log?: Logger,
): Promise<{ written: string[]; removed: string[]; conflicts: Conflict[] } | null> {
  // PRODUCT.md 23: restore waits for no lock but refuses while a live loop holds it, and holds it itself
  // so no loop starts in the middle of a restore.
  const lock = acquireLockIfUsed(workspace, { purpose: 'restore', log });
  try {
    return await undoLastLoop(workspace, log);
  } finally {
    lock?.release();
  }
}

async function undoLastLoop(workspace: string, log?: Logger): Promise<{ written: string[]; removed: string[]; conflicts: Conflict[] } | null> {
  const store = await SnapshotStore.open(workspace, { log });
  const state = await store.loadLoopState();
  if (!state) return null;
  const undone = await store.undo(state.writes, conflictDir(state.runId));
  await store.saveLoopState({ ...state, running: false, writes: [] });
  const written: string[] = [];
  const removed: string[] = [];
  for (const path of undone.restored) {
    // The state a file was put back to decides which list it belongs to.
    if ((await store.stateOf(path)) === null) removed.push(path);
    else written.push(path);
  }
  return { written, removed, conflicts: undone.conflicts };
}
