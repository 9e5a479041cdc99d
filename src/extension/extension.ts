import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmokesError, describeError, isAbortError } from '../core/errors';
import type { Settings } from '../core/settings';
import type { LoopEvent, LoopOutcome, PatchProducer } from '../core/types';
import type { ProducerCheck } from '../producers/preflight';
import { BundleExport } from './bundleExport';
import { signalFromToken } from './cancellation';
import { registerCommands, type CommandHost, type PrerequisiteReport } from './commands';
import { onSettingsChanged, readSettings, SettingsError } from './configValue';
import { GeneratedDocuments } from './contentProvider';
import { SmokeTestController, type LoopTestRun } from './controller';
import { DiffPreview } from './diffPreview';
import { DisposableStore } from './disposables';
import { realEngine, type Engine } from './engine';
import { VscodeInvestigator } from './investigator';
import { LmProducer } from './lmProducer';
import { childEnv, interpreterFor } from './python';
import { RepairModel } from './repairModel';
import { RepairTreeProvider, VIEW_ID } from './repairTree';
import { EXCLUDED_KEY, OPENAI_SECRET_KEY } from './keys';
import { checkFromError, checkProducerFor, producerProblemMessage } from './prerequisites';
import { ReportPanels } from './reportPanel';
import { openSettingWhereSet } from './settingsLink';
import { FreshnessStatusBar, type FreshnessTarget } from './statusBar';
import { ManualPrompt, type ManualAnswer } from './manualPrompt';
import { OutputBatcher } from './outputBatcher';
import { LoopTerminal } from './terminal';
import type { CancellationToken, ExtensionContext, LogOutputChannel, TestRunRequest, Uri, VSCode, WorkspaceFolder } from './vscodeTypes';

export { OPENAI_SECRET_KEY } from './keys';

export interface RunOptions {
  only?: string[];
  request?: TestRunRequest;
  token?: CancellationToken;
}

/** What `activate` returns: the live state, so tests (and other extensions) can read what the user sees. */
export interface SmokesFixerApi {
  readonly tests: SmokeTestController;
  readonly repairTree: RepairTreeProvider;
  readonly statusBar: FreshnessStatusBar;
  readonly terminal: LoopTerminal;
  readonly diffPreview: DiffPreview;
  readonly reports: ReportPanels;
  modelFor(folder: WorkspaceFolder): RepairModel | undefined;
  lastOutcome(folder: WorkspaceFolder): LoopOutcome | undefined;
  isRunning(folder: WorkspaceFolder): boolean;
  run(folder: WorkspaceFolder, options?: RunOptions): Promise<LoopOutcome | undefined>;
  /** Whether a manual-producer run on `folder` waits for the person's edit (the Done/Skip prompt is up). */
  isWaitingForEdit(folder: WorkspaceFolder): boolean;
  /** Answers that prompt as its Done or Skip button would; false when nothing waits. */
  answerManualPrompt(folder: WorkspaceFolder, answer: ManualAnswer): boolean;
}

/** The adapter: engine on one side, VS Code's APIs on the other. No loop rule lives here. */
export class SmokesFixerExtension implements CommandHost {
  readonly store = new DisposableStore();
  readonly log: LogOutputChannel;
  readonly docs: GeneratedDocuments;
  readonly tests: SmokeTestController;
  readonly repairTree: RepairTreeProvider;
  readonly terminal: LoopTerminal;
  readonly statusBar: FreshnessStatusBar;
  readonly diffPreview: DiffPreview;
  readonly bundles: BundleExport;
  readonly reports: ReportPanels;
  readonly manualPrompt: ManualPrompt;
  private readonly running = new Map<string, AbortController>();
  private readonly outcomes = new Map<string, LoopOutcome>();
  private readonly lmProducers = new Map<string, LmProducer>();

  constructor(
    readonly vscode: VSCode,
    readonly context: ExtensionContext,
    readonly engine: Engine = realEngine,
  ) {
    this.log = this.store.add(vscode.window.createOutputChannel('Smokes Fixer', { log: true }));
    this.docs = this.store.add(new GeneratedDocuments(vscode));
    this.tests = this.store.add(
      new SmokeTestController(vscode, {
        collect: (folder, signal) => this.collect(folder, signal),
        runTests: (folder, only, request, token) => this.runTests(folder, only, request, token),
        runFromExplorer: async (folder, only, request, token) => {
          await this.run(folder, { only, request, token });
        },
      }),
    );
    this.repairTree = this.store.add(new RepairTreeProvider(vscode));
    this.terminal = this.store.add(new LoopTerminal(vscode));
    this.statusBar = this.store.add(new FreshnessStatusBar(vscode, engine, () => this.freshnessTargets()));
    this.diffPreview = this.store.add(new DiffPreview(vscode, this.docs));
    this.reports = this.store.add(new ReportPanels(vscode));
    this.bundles = new BundleExport(vscode, engine, this.reports);
    this.manualPrompt = new ManualPrompt(vscode);
  }

  /** `startedAt`: when VS Code called the extension's `activate` (`performance.now()`), for the log's timing. */
  activate(startedAt = performance.now()): SmokesFixerApi {
    const { vscode, context } = this;
    context.subscriptions.push(this.store);
    this.store.add(vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this.repairTree, showCollapseAll: true }));
    this.store.add(registerCommands(this));
    this.store.add(
      onSettingsChanged(vscode, () => {
        void this.statusBar.refresh().catch((e) => this.log.warn(`Freshness probe failed: ${describeError(e)}`));
        this.tests.discover().catch((e) => this.log.warn(`Test discovery failed: ${describeError(e)}`));
      }),
    );
    this.store.add(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.tests.discover().catch((e) => this.log.warn(`Test discovery failed: ${describeError(e)}`));
      }),
    );
    void vscode.commands.executeCommand('setContext', 'smokesFixer.running', false);
    // The status bar's first probe reads every folder's settings and starts processes: after activation,
    // so VS Code (and the other extensions starting beside this one) are not held up by it.
    const firstProbe = setTimeout(() => void this.statusBar.start().catch((e) => this.log.warn(`Freshness probe failed: ${describeError(e)}`)), 0);
    this.store.add({ dispose: () => clearTimeout(firstProbe) });
    this.log.info(`Smokes Fixer activated in ${(performance.now() - startedAt).toFixed(1)} ms (VS Code ${vscode.version}).`);
    return {
      tests: this.tests,
      repairTree: this.repairTree,
      statusBar: this.statusBar,
      terminal: this.terminal,
      diffPreview: this.diffPreview,
      reports: this.reports,
      modelFor: (folder) => this.repairTree.modelFor(folder),
      lastOutcome: (folder) => this.outcomes.get(folder.uri.toString()),
      isRunning: (folder) => this.running.has(folder.uri.toString()),
      run: (folder, options) => this.run(folder, options),
      isWaitingForEdit: (folder) => this.manualPrompt.isWaiting(folder.uri.fsPath),
      answerManualPrompt: (folder, answer) => this.manualPrompt.answer(folder.uri.fsPath, answer),
    };
  }

  // ---------------------------------------------------------------------------------------------

  /** The folder a command is about: from its argument, the only folder, or the person's choice. */
  async pickFolder(arg?: unknown): Promise<WorkspaceFolder | undefined> {
    const vscode = this.vscode;
    if (arg instanceof vscode.Uri) return vscode.workspace.getWorkspaceFolder(arg);
    if (arg && typeof arg === 'object' && 'uri' in arg && 'index' in arg) return arg as WorkspaceFolder;
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      void vscode.window.showErrorMessage('Smokes Fixer needs an open folder: open the Python project whose smoke tests should be repaired.');
      return undefined;
    }
    if (folders.length === 1) return folders[0];
    return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which workspace folder should Smokes Fixer work on?' });
  }

  /** Validated settings, or undefined after telling the person which field is wrong. */
  settingsFor(folder: WorkspaceFolder): Settings | undefined {
    try {
      return readSettings(this.vscode, folder);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      for (const line of error.errors) this.log.error(line);
      void this.vscode.window
        .showErrorMessage(`Smokes Fixer settings are not valid: ${error.errors.join('; ')}`, 'Open Settings')
        .then((choice) => {
          // Where the bad value is set (the Workspace tab when the workspace sets it), filtered to its key.
          if (choice) openSettingWhereSet(this.vscode, error.fields[0] ?? 'producer', folder).catch((e) => this.log.error(`Open Settings: ${describeError(e)}`));
        });
      return undefined;
    }
  }

  /** Every folder whose settings are valid, for the status bar. */
  private freshnessTargets(): FreshnessTarget[] {
    const targets: FreshnessTarget[] = [];
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      try {
        targets.push({ workspace: folder.uri.fsPath, name: folder.name, uri: folder.uri, settings: readSettings(this.vscode, folder) });
      } catch {
        /* its settings error is shown when a command uses them */
      }
    }
    return targets;
  }

  async python(folder: WorkspaceFolder, settings: Settings): Promise<string> {
    return (await interpreterFor(this.vscode, folder, settings.pythonPath, this.log)) ?? (await this.engine.resolvePython(settings.pythonPath, folder.uri.fsPath));
  }

  private async collect(folder: WorkspaceFolder, signal: AbortSignal) {
    const settings = readSettings(this.vscode, folder);
    const python = await this.python(folder, settings);
    const env = await this.childEnv(settings);
    return this.engine.collectTests({ workspace: folder.uri.fsPath, python, selection: { select: settings.select, markExpr: settings.markExpr }, signal, env });
  }

  async childEnv(settings: Settings): Promise<NodeJS.ProcessEnv> {
    const key = await this.context.secrets.get(OPENAI_SECRET_KEY);
    return childEnv(process.env, key ? { [settings.openaiApiKeyEnv]: key } : {});
  }

  private async producer(folder: WorkspaceFolder, settings: Settings, env: NodeJS.ProcessEnv): Promise<PatchProducer> {
    if (settings.producer === 'vscode-lm') {
      const key = `${folder.uri.toString()}|${settings.lmModel}`;
      let lm = this.lmProducers.get(key);
      if (!lm) this.lmProducers.set(key, (lm = new LmProducer(this.vscode, settings.lmModel)));
      return lm;
    }
    return await this.engine.createProducer(settings, {
      workspace: folder.uri.fsPath,
      env,
      manualWaiter: (signal) => this.manualPrompt.wait(folder.uri.fsPath, signal),
    });
  }

  /** Assisted investigation (loop step 7), only when the person turned it on. */
  private investigator(folder: WorkspaceFolder, settings: Settings, python: string): VscodeInvestigator | undefined {
    if (!settings.investigation.enabled) return undefined;
    return new VscodeInvestigator(this.vscode, {
      settings: settings.investigation,
      workspace: folder.uri.fsPath,
      python,
      log: this.log,
      askServer: this.engine.askMcpServer,
      buildPayloads: this.engine.buildInvestigationPayloads,
      showDocument: async (path, content) => {
        const uri = this.docs.set(path, content);
        await this.vscode.window.showTextDocument(uri, { preview: true, preserveFocus: true });
      },
    });
  }

  excludedSignatures(folder: WorkspaceFolder): string[] {
    const all = this.context.workspaceState.get<Record<string, string[]>>(EXCLUDED_KEY, {});
    return all[folder.uri.toString()] ?? [];
  }

  async excludeSignature(folder: WorkspaceFolder, signature: string): Promise<void> {
    const all = { ...this.context.workspaceState.get<Record<string, string[]>>(EXCLUDED_KEY, {}) };
    const list = new Set(all[folder.uri.toString()] ?? []);
    list.add(signature);
    all[folder.uri.toString()] = [...list];
    await this.context.workspaceState.update(EXCLUDED_KEY, all);
    const record = this.repairTree.modelFor(folder)?.get(signature);
    if (record) record.state = 'excluded';
    this.repairTree.refresh();
  }

  lastOutcome(folder: WorkspaceFolder): LoopOutcome | undefined {
    return this.outcomes.get(folder.uri.toString());
  }

  isRunningOn(folder: WorkspaceFolder): boolean {
    return this.running.has(folder.uri.toString());
  }

  cancel(folder?: WorkspaceFolder): boolean {
    const entries = folder ? [this.running.get(folder.uri.toString())] : [...this.running.values()];
    let any = false;
    for (const c of entries) {
      if (c) {
        c.abort();
        any = true;
      }
    }
    return any;
  }

  /** One loop on one folder, shown in a progress notification whose Cancel ends it. */
  async run(folder: WorkspaceFolder, options: RunOptions = {}): Promise<LoopOutcome | undefined> {
    const vscode = this.vscode;
    const key = folder.uri.toString();
    if (this.running.has(key)) {
      const choice = await vscode.window.showWarningMessage(`Smokes Fixer is already running on ${folder.name}.`, 'Show Terminal', 'Cancel Run');
      if (choice === 'Show Terminal') this.terminal.show(false);
      if (choice === 'Cancel Run') this.cancel(folder);
      return undefined;
    }
    const settings = this.settingsFor(folder);
    if (!settings) return undefined;

    const controller = new AbortController();
    this.running.set(key, controller);
    await vscode.commands.executeCommand('setContext', 'smokesFixer.running', true);
    let testRun: LoopTestRun | undefined;
    const outer = options.token ? signalFromToken(options.token) : undefined;
    outer?.signal.addEventListener('abort', () => controller.abort(), { once: true });
    try {
      const env = await this.childEnv(settings);
      // A producer that cannot start is a set-up problem: said at once, no attempt spent (PRODUCT.md 25).
      const check = await checkProducerFor(vscode, this.engine, folder, settings, env);
      this.repairTree.setProblem(folder, check.ok ? undefined : check);
      if (!check.ok) {
        this.showProducerProblem(folder, check);
        return undefined;
      }
      const producer = await this.producer(folder, settings, env);
      const python = await this.python(folder, settings);
      const excluded = new Set(this.excludedSignatures(folder));
      const model = new RepairModel(settings.retries, excluded);
      this.repairTree.setModel(folder, model);
      testRun = this.tests.beginRun(folder, options.request);
      this.terminal.show(true);
      this.terminal.line(`\x1b[1mSmokes Fixer on ${folder.name}\x1b[0m — producer ${producer.label}, python ${python}${options.only ? `, only ${options.only.join(' ')}` : ''}`);
      const run = testRun;
      this.log.info(`Run on ${folder.uri.fsPath} (producer ${producer.label}, python ${python}).`);

      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Smokes Fixer: ${folder.name}`, cancellable: true },
        async (progress, token) => {
          const sub = token.onCancellationRequested(() => controller.abort());
          const events = new OutputBatcher((event) => {
            model.handle(event);
            this.terminal.handle(event);
            run.handle(event);
            this.onEvent(folder, event, progress);
          });
          try {
            return await this.engine.runLoop({
              workspace: folder.uri.fsPath,
              settings,
              producer,
              python,
              env,
              signal: controller.signal,
              log: this.log,
              only: options.only,
              excludedSignatures: [...excluded],
              reviewPatch: settings.autoApply ? undefined : (p, signal) => this.diffPreview.review({ ...p, folderName: folder.name }, signal),
              investigator: this.investigator(folder, settings, python),
              onEvent: (event) => events.push(event),
            });
          } finally {
            events.close();
            sub.dispose();
          }
        },
      );
      this.outcomes.set(key, outcome);
      this.announce(folder, outcome);
      return outcome;
    } catch (error) {
      this.showRunError(folder, settings, error);
      return undefined;
    } finally {
      testRun?.end();
      outer?.dispose();
      this.running.delete(key);
      await vscode.commands.executeCommand('setContext', 'smokesFixer.running', this.running.size > 0);
      void this.statusBar.refresh().catch(() => undefined);
    }
  }

  /** A run that stopped on an error: each kind said clearly, with the action that helps, and logged as an error. */
  private showRunError(folder: WorkspaceFolder, settings: Settings, error: unknown): void {
    const vscode = this.vscode;
    this.log.error(describeError(error));
    if (error instanceof SmokesError && error.code === 'producer-unavailable') {
      const check = checkFromError(error, settings);
      this.repairTree.setProblem(folder, check);
      this.showProducerProblem(folder, check, false);
      return;
    }
    if (error instanceof SmokesError && error.code === 'environment') {
      // The engine's hint names CLI flags too; here the interpreter picker and the setting are what help.
      this.terminal.line(`\x1b[31m${error.message}\x1b[0m`);
      void vscode.window
        .showErrorMessage(`Smokes Fixer: ${error.message} Install it in that interpreter, or pick another with Select Python Interpreter (smokesFixer.pythonPath).`, 'Select Interpreter', 'Show Log')
        .then((c) => {
          if (c === 'Select Interpreter') void vscode.commands.executeCommand('smokesFixer.selectInterpreter');
          if (c === 'Show Log') this.log.show();
        });
      return;
    }
    const message = error instanceof SmokesError ? error.readable : describeError(error);
    this.terminal.line(`\x1b[31m${message}\x1b[0m`);
    const lead = error instanceof SmokesError && error.code === 'locked' ? `Smokes Fixer did not start on ${folder.name}: ` : 'Smokes Fixer: ';
    void vscode.window.showErrorMessage(`${lead}${message}`, 'Show Log').then((c) => c && this.log.show());
  }

  /** The producer cannot start: an error naming it and the setting to change, with Open Settings. */
  private showProducerProblem(folder: WorkspaceFolder, check: ProducerCheck, log = true): void {
    const message = producerProblemMessage(check);
    if (log) this.log.error(message);
    this.terminal.line(`\x1b[31m${message}\x1b[0m`);
    void this.vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then((c) => {
      if (c === 'Open Settings') openSettingWhereSet(this.vscode, check.setting ?? 'producer', folder).catch((e) => this.log.error(`Open Settings: ${describeError(e)}`));
      if (c === 'Show Log') this.log.show();
    });
  }

  /**
   * The Test Explorer's default profile: the tests with pytest, results into a TestRun, nothing else —
   * no producer, no patch, no artifacts in the workspace (the reports go to a temporary folder).
   */
  async runTests(folder: WorkspaceFolder, only: string[] | undefined, request: TestRunRequest, token: CancellationToken): Promise<void> {
    const settings = this.settingsFor(folder);
    if (!settings) return;
    const testRun = this.tests.beginRun(folder, request, 'Smoke tests');
    const bridge = signalFromToken(token);
    const dir = await mkdtemp(join(tmpdir(), 'smokes-fixer-tests-'));
    try {
      const python = await this.python(folder, settings);
      const env = await this.childEnv(settings);
      const args = this.engine.testRunArgs({ select: settings.select, markExpr: settings.markExpr }, only ?? []);
      const command = this.engine.displayCommand(args);
      this.log.info(`$ ${command} (in ${folder.uri.fsPath})`);
      testRun.run.appendOutput(`$ ${command}\r\n`);
      const events = new OutputBatcher((event) => testRun.handle(event));
      const run = await this.engine.runPytest({
        cwd: folder.uri.fsPath,
        python,
        args,
        label: 'rerun',
        artifactsDir: dir,
        ndSmoke: settings.ndSmoke,
        signal: bridge.signal,
        log: this.log,
        baseEnv: env,
        onOutput: (text) => events.push({ type: 'output', source: 'pytest', text }),
      }).finally(() => events.close());
      testRun.handle({ type: 'run-finished', run });
      this.log.info(`Test run on ${folder.name}: ${run.counts.passed} passed, ${run.counts.failed} failed, ${run.counts.errors} errors, ${run.counts.skipped} skipped.`);
    } catch (error) {
      if (isAbortError(error) || token.isCancellationRequested) {
        this.log.info(`Test run on ${folder.name} cancelled.`);
        return;
      }
      this.log.error(`Test run on ${folder.name}: ${describeError(error)}`);
      testRun.errored(this.tests.itemsFor(folder, only), describeError(error));
    } finally {
      testRun.end();
      bridge.dispose();
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Interpreter, pytest, exec-rpc and the producer of a folder; a producer problem also shows in the Repairs view. */
  async checkPrerequisites(folder: WorkspaceFolder): Promise<PrerequisiteReport | undefined> {
    const settings = this.settingsFor(folder);
    if (!settings) return undefined;
    const python = await this.python(folder, settings);
    const pytest = await this.engine.detectPytest(python, folder.uri.fsPath, new AbortController().signal);
    const freshness = await this.engine.isFreshnessConfigured(folder.uri.fsPath, settings);
    const producer = await checkProducerFor(this.vscode, this.engine, folder, settings, await this.childEnv(settings));
    this.repairTree.setProblem(folder, producer.ok ? undefined : producer);
    const lines = [
      `Interpreter: ${python}`,
      pytest.ok ? `pytest: available${pytest.html ? ' (with pytest-html)' : ''}` : `pytest: NOT available (${pytest.error ?? 'unknown error'})`,
      freshness ? `exec-rpc: configured (${settings.metaUrl})` : 'exec-rpc: not configured (no exec-rpc-restart/exec-rpc-probe Makefile targets); freshness checks are skipped',
      producer.ok ? `Producer: ${producer.producer} (${producer.detail})` : `Producer: ${producer.producer} CANNOT START: ${producer.detail} Change smokesFixer.${producer.setting ?? 'producer'}.`,
    ];
    for (const line of lines) {
      if (line.includes('NOT available') || line.includes('CANNOT START')) this.log.error(`Check: ${line}`);
      else this.log.info(`Check: ${line}`);
    }
    return { python, pytest: pytest.ok, freshness, producer, lines };
  }

  private onEvent(folder: WorkspaceFolder, event: LoopEvent, progress: { report(v: { message?: string }): void }): void {
    switch (event.type) {
      case 'freshness':
        this.statusBar.update(event.status, folder.uri.fsPath);
        break;
      case 'validation':
        progress.report({ message: `${event.action}: ${event.lines[0] ?? ''}` });
        break;
      case 'attempt-started':
        progress.report({ message: `attempt ${event.attempt} for ${event.nodeid}` });
        break;
      case 'command':
        this.log.info(`$ ${event.command}`);
        break;
      case 'investigation':
        if (event.answer === null && event.error === null) {
          this.log.info(`Investigation payload for ${event.server} (${event.helper}): ${JSON.stringify(event.payload)}`);
          progress.report({ message: `asking the ${event.helper} helper (${event.server})` });
        } else {
          this.log.info(`Investigation via ${event.server} (${event.helper}): ${event.error ?? `answered (${event.answer?.length ?? 0} characters)`}`);
        }
        break;
    }
  }

  /** The report actions of an outcome's notification: inside the editor, and the browser where it can open files. */
  private reportActions(): string[] {
    return this.bundles.canOpenInBrowser ? ['Open Report', 'Open in Browser'] : ['Open Report'];
  }

  private onReportAction(folder: WorkspaceFolder, choice: string | undefined): void {
    if (choice === 'Open Report') void this.reports.show(folder).catch((e) => this.log.error(`Open Report: ${describeError(e)}`));
    if (choice === 'Open in Browser') this.bundles.openInBrowser(folder).catch((e) => this.log.error(`Open in Browser: ${describeError(e)}`));
  }

  private announce(folder: WorkspaceFolder, outcome: LoopOutcome): void {
    const vscode = this.vscode;
    switch (outcome.kind) {
      case 'success':
        this.log.info(`Success on ${folder.name}: ${outcome.loops} loop(s), ${outcome.appliedPatches.length} patch(es) kept.`);
        void vscode.window
          .showInformationMessage(`Smokes Fixer: all selected smoke tests pass (${outcome.appliedPatches.length} patch(es) kept).`, ...this.reportActions())
          .then((c) => this.onReportAction(folder, c));
        break;
      case 'escalated':
        this.log.warn(`Escalated on ${folder.name}: ${outcome.reason} — ${outcome.detail}`);
        void vscode.window
          .showWarningMessage(`Smokes Fixer escalated (${outcome.reason}): ${outcome.detail}`, 'Export Bundle', 'Copy Bundle', 'Open Report')
          .then((c) => {
            if (c === 'Export Bundle') void vscode.commands.executeCommand('smokesFixer.exportBundle', folder.uri);
            if (c === 'Copy Bundle') void vscode.commands.executeCommand('smokesFixer.copyBundle', folder.uri);
            this.onReportAction(folder, c);
          });
        break;
      case 'cancelled':
        this.log.info(`Cancelled on ${folder.name}.`);
        void vscode.window.showInformationMessage('Smokes Fixer: the run was cancelled; any patch under verification was taken back.');
        break;
    }
  }

  /** Opens the file behind a workspace-relative path at a 1-based line. */
  async openAt(folder: WorkspaceFolder, file: string, line: number): Promise<void> {
    const vscode = this.vscode;
    const uri: Uri = vscode.Uri.joinPath(folder.uri, file);
    const position = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position) });
  }
}
