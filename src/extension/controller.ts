import { join } from 'node:path';
import type { Failure, LoopEvent, PytestRun, TestCaseResult } from '../core/types';
import type { Disposable, TestController, TestItem, TestRun, TestRunProfile, TestRunRequest, Uri, VSCode, WorkspaceFolder, CancellationToken } from './vscodeTypes';
import { toTerminalText } from './terminalFormat';

export const CONTROLLER_ID = 'smokesFixer';
/** `TestMessage.contextValue` of a failure, for the peek's "Fix with Smokes Fixer" action. */
export const FAILURE_CONTEXT = 'smokesFixer.failure';

export interface CollectedTest {
  nodeid: string;
  file: string;
  line: number | null;
}

export interface ItemInfo {
  folder: WorkspaceFolder;
  nodeid: string;
}

/** What the last loop reported for a test, kept for the extension's test API. */
export interface TestResultRecord {
  outcome: 'passed' | 'failed' | 'errored' | 'skipped';
  durationMs: number;
  message?: string;
  location?: { file: string; line: number };
  expected?: string;
  actual?: string;
}

export interface SmokeTestHost {
  /** Collects the smoke selection of a folder. */
  collect(folder: WorkspaceFolder, signal: AbortSignal): Promise<CollectedTest[]>;
  /** Runs the tests with pytest and reports them: no producer, no patch (the default profile). */
  runTests(folder: WorkspaceFolder, only: string[] | undefined, request: TestRunRequest, token: CancellationToken): Promise<void>;
  /** Starts the repair loop from the Test Explorer; resolves when it ends. */
  runFromExplorer(folder: WorkspaceFolder, only: string[] | undefined, request: TestRunRequest, token: CancellationToken): Promise<void>;
}

export const RUN_PROFILE_LABEL = 'Run Smoke Tests';
export const REPAIR_PROFILE_LABEL = 'Repair with Smokes Fixer';

/**
 * The Test Explorer face: the smoke selection as test items, and every pytest run of every loop
 * (whatever started it) reported into a TestRun with durations, messages and failing lines.
 */
export class SmokeTestController implements Disposable {
  readonly controller: TestController;
  readonly runProfile: TestRunProfile;
  readonly repairProfile: TestRunProfile;
  private readonly info = new WeakMap<TestItem, ItemInfo>();
  readonly results = new Map<string, TestResultRecord>();
  private discovering: AbortController | undefined;

  constructor(
    private readonly vscode: VSCode,
    private readonly host: SmokeTestHost,
  ) {
    this.controller = vscode.tests.createTestController(CONTROLLER_ID, 'Smokes Fixer');
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
    };
    this.controller.refreshHandler = async () => {
      await this.discover();
    };
    // "Run Tests" only runs tests (PRODUCT.md 19); the repair is a profile a person picks on purpose.
    // No Debug profile: pytest under a debugger needs the Python extension's debug adapter.
    this.runProfile = this.controller.createRunProfile(
      RUN_PROFILE_LABEL,
      vscode.TestRunProfileKind.Run,
      async (request, token) => {
        for (const [folder, only] of this.groupRequest(request)) {
          if (token.isCancellationRequested) break;
          await this.host.runTests(folder, only, request, token);
        }
      },
      true,
    );
    this.repairProfile = this.controller.createRunProfile(
      REPAIR_PROFILE_LABEL,
      vscode.TestRunProfileKind.Run,
      async (request, token) => {
        for (const [folder, only] of this.groupRequest(request)) {
          if (token.isCancellationRequested) break;
          await this.host.runFromExplorer(folder, only, request, token);
        }
      },
      false,
    );
  }

  itemInfo(item: TestItem): ItemInfo | undefined {
    return this.info.get(item);
  }

  /** Re-collects every folder's smoke selection; a newer discovery cancels an older one. */
  async discover(): Promise<void> {
    this.discovering?.abort();
    const controller = new AbortController();
    this.discovering = controller;
    for (const folder of this.vscode.workspace.workspaceFolders ?? []) {
      try {
        const tests = await this.host.collect(folder, controller.signal);
        if (controller.signal.aborted) return;
        this.replaceFolder(folder, tests);
      } catch (error) {
        if (controller.signal.aborted) return;
        this.showError(folder, error instanceof Error ? error.message : String(error));
      }
    }
  }

  private folderCollection(folder: WorkspaceFolder) {
    if ((this.vscode.workspace.workspaceFolders?.length ?? 0) <= 1) return this.controller.items;
    let root = this.controller.items.get(folder.uri.toString());
    if (!root) {
      root = this.controller.createTestItem(folder.uri.toString(), folder.name, folder.uri);
      this.controller.items.add(root);
    }
    return root.children;
  }

  /**
   * Brings the folder's items in line with a new collection, keeping the items that are still there: a
   * rediscovery (a setting changed, a refresh) must not collapse the tree or drop the last results shown.
   */
  private replaceFolder(folder: WorkspaceFolder, tests: CollectedTest[]): void {
    const collection = this.folderCollection(folder);
    const wanted = new Map<string, Set<string>>();
    for (const test of tests) {
      const file = test.file;
      if (!wanted.has(file)) wanted.set(file, new Set());
      wanted.get(file)?.add(test.nodeid);
    }
    const stale: string[] = [];
    collection.forEach((fileItem) => {
      const keep = wanted.get(fileItem.id);
      if (!keep) {
        stale.push(fileItem.id);
        return;
      }
      const gone: string[] = [];
      fileItem.children.forEach((child) => {
        if (!keep.has(child.id)) gone.push(child.id);
      });
      for (const id of gone) fileItem.children.delete(id);
    });
    for (const id of stale) collection.delete(id);
    for (const test of tests) this.ensureItem(folder, test.nodeid, test.file, test.line);
  }

  /** A collection problem shows in the tree as an item carrying the error, not as a pop-up. */
  private showError(folder: WorkspaceFolder, message: string): void {
    const collection = this.folderCollection(folder);
    collection.replace([]);
    const item = this.controller.createTestItem(`error:${folder.uri.toString()}`, 'Could not collect the smoke tests');
    item.error = new this.vscode.MarkdownString(`${message}\n\n[Show the log](command:smokesFixer.showLog)`);
    item.error.isTrusted = { enabledCommands: ['smokesFixer.showLog'] };
    collection.add(item);
  }

  private uriOf(folder: WorkspaceFolder, file: string): Uri {
    return this.vscode.Uri.file(join(folder.uri.fsPath, file));
  }

  /** The item for a node id (file item for a collection error), created when the loop reports it first. */
  ensureItem(folder: WorkspaceFolder, nodeid: string, file?: string, line?: number | null): TestItem {
    const filePath = file ?? nodeid.split('::')[0];
    const collection = this.folderCollection(folder);
    let fileItem = collection.get(filePath);
    if (!fileItem) {
      fileItem = this.controller.createTestItem(filePath, filePath, this.uriOf(folder, filePath));
      this.info.set(fileItem, { folder, nodeid: filePath });
      collection.add(fileItem);
    }
    if (nodeid === filePath) return fileItem;
    let item = fileItem.children.get(nodeid);
    if (!item) {
      item = this.controller.createTestItem(nodeid, nodeid.slice(filePath.length + 2), this.uriOf(folder, filePath));
      this.info.set(item, { folder, nodeid });
      fileItem.children.add(item);
    }
    if (line !== undefined && line !== null) item.range = new this.vscode.Range(line - 1, 0, line - 1, 0);
    return item;
  }

  /** Groups the requested items by folder; undefined `only` means the whole selection. */
  private groupRequest(request: TestRunRequest): Map<WorkspaceFolder, string[] | undefined> {
    const groups = new Map<WorkspaceFolder, string[] | undefined>();
    if (!request.include || request.include.length === 0) {
      for (const folder of this.vscode.workspace.workspaceFolders ?? []) groups.set(folder, undefined);
      return groups;
    }
    const excluded = new Set(request.exclude ?? []);
    for (const item of request.include) {
      if (excluded.has(item)) continue;
      const info = this.info.get(item);
      const folder = info?.folder ?? this.vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === item.id);
      if (!folder) continue;
      if (!info) {
        groups.set(folder, undefined);
        continue;
      }
      const list = groups.get(folder);
      if (groups.has(folder) && list === undefined) continue;
      groups.set(folder, [...(list ?? []), info.nodeid]);
    }
    return groups;
  }

  /** The items a request names in a folder (node ids), or the folder's top-level items for the whole selection. */
  itemsFor(folder: WorkspaceFolder, only: string[] | undefined): TestItem[] {
    if (only) return only.map((nodeid) => this.ensureItem(folder, nodeid));
    const items: TestItem[] = [];
    this.folderCollection(folder).forEach((item) => items.push(item));
    return items;
  }

  /** Starts a TestRun that a loop's (or a plain pytest run's) events feed; `end()` it when the run stops. */
  beginRun(folder: WorkspaceFolder, request?: TestRunRequest, what = 'Smokes Fixer'): LoopTestRun {
    const name = `${what}: ${folder.name}`;
    let next: TestRunRequest | undefined = request ?? new this.vscode.TestRunRequest();
    // Runs made from one request share one result in VS Code, where a test's worst state wins; a new
    // request per pytest run lets the latest run's states show.
    const newRun = () => {
      const req = next ?? new this.vscode.TestRunRequest(request?.include, request?.exclude);
      next = undefined;
      return this.controller.createTestRun(req, name, true);
    };
    return new LoopTestRun(this.vscode, this, folder, newRun);
  }

  record(nodeid: string, result: TestResultRecord): void {
    this.results.set(nodeid, result);
  }

  dispose(): void {
    this.discovering?.abort();
    this.controller.dispose();
  }
}

/** One loop's reporting into one TestRun. */
export class LoopTestRun {
  private ended = false;
  private reported = false;
  /** The TestRun the current pytest run reports into. */
  run: TestRun;

  constructor(
    private readonly vscode: VSCode,
    private readonly owner: SmokeTestController,
    private readonly folder: WorkspaceFolder,
    private readonly newRun: () => TestRun,
  ) {
    this.run = newRun();
  }

  /**
   * VS Code keeps a test's worst state within one test result (failed never turns back into passed), so
   * each pytest run after the first reports into a TestRun of its own.
   */
  private fresh(): void {
    if (!this.reported) return;
    this.run.end();
    this.run = this.newRun();
    this.reported = false;
  }

  handle(event: LoopEvent): void {
    if (this.ended) return;
    if (event.type === 'output' && event.source === 'pytest') {
      this.fresh();
      this.run.appendOutput(toTerminalText(event.text));
    }
    if (event.type === 'run-finished') this.report(event.run);
  }

  private report(run: PytestRun): void {
    this.fresh();
    this.reported = true;
    const failures = new Map<string, Failure>(run.failures.map((f) => [f.nodeid, f]));
    for (const test of run.tests) {
      const item = this.owner.ensureItem(this.folder, test.nodeid, undefined, test.location?.line ?? null);
      const failure = failures.get(test.nodeid);
      switch (test.outcome) {
        case 'passed':
        case 'xpassed':
          this.run.passed(item, test.durationMs);
          this.owner.record(test.nodeid, { outcome: 'passed', durationMs: test.durationMs });
          break;
        case 'skipped':
        case 'xfailed':
          this.run.skipped(item);
          this.owner.record(test.nodeid, { outcome: 'skipped', durationMs: test.durationMs });
          break;
        case 'failed':
        case 'error': {
          const message = this.message(test, failure);
          const outcome = test.outcome === 'failed' ? 'failed' : 'errored';
          if (outcome === 'failed') this.run.failed(item, message, test.durationMs);
          else this.run.errored(item, message, test.durationMs);
          this.owner.record(test.nodeid, {
            outcome,
            durationMs: test.durationMs,
            message: messageText(message.message),
            location: failure?.location ?? test.location,
            expected: test.expected,
            actual: test.actual,
          });
          break;
        }
      }
    }
    // Collection errors have no test case: they land on the file's item.
    for (const failure of run.failures) {
      if (failure.kind !== 'collection-error' || run.tests.some((t) => t.nodeid === failure.nodeid)) continue;
      const item = this.owner.ensureItem(this.folder, failure.nodeid);
      const message = this.message({ nodeid: failure.nodeid, outcome: 'error', durationMs: 0, message: failure.message, text: failure.longrepr }, failure);
      this.run.errored(item, message);
      this.owner.record(failure.nodeid, { outcome: 'errored', durationMs: 0, message: messageText(message.message), location: failure.location ?? undefined });
    }
  }

  /** A run that could not report results (pytest missing, a usage error): the message on each item. */
  errored(items: TestItem[], text: string): void {
    if (this.ended) return;
    this.fresh();
    this.reported = true;
    const message = new this.vscode.TestMessage(text);
    for (const item of items) this.run.errored(item, message);
    this.run.appendOutput(toTerminalText(`${text}\n`));
  }

  private message(test: TestCaseResult, failure: Failure | undefined) {
    const vscode = this.vscode;
    const headline = failure ? `${failure.exceptionType}: ${failure.message}` : (test.message ?? 'failed');
    const body = test.text ?? failure?.longrepr;
    const text = body ? `${headline}\n\n${body}` : headline;
    const message =
      test.expected !== undefined && test.actual !== undefined
        ? vscode.TestMessage.diff(text, test.expected, test.actual)
        : new vscode.TestMessage(text);
    const where = failure?.location ?? test.location;
    if (where) {
      message.location = new vscode.Location(vscode.Uri.file(join(this.folder.uri.fsPath, where.file)), new vscode.Position(Math.max(0, where.line - 1), 0));
    }
    message.contextValue = FAILURE_CONTEXT;
    return message;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.run.end();
  }
}

/** A TestMessage's text, plain or Markdown. */
function messageText(m: string | { value: string }): string {
  return typeof m === 'string' ? m : m.value;
}
