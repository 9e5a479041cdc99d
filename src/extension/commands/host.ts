import { describeError } from '../../core/errors';
import type { LoopOutcome } from '../../core/types';
import type { Settings } from '../../core/settings';
import type { BundleExport } from '../bundleExport';
import type { GeneratedDocuments } from '../contentProvider';
import type { SmokeTestController } from '../controller';
import type { DiffPreview } from '../diffPreview';
import type { DisposableStore } from '../disposables';
import type { Engine } from '../engine';
import type { ReportPanels } from '../reportPanel';
import type { FreshnessStatusBar } from '../statusBar';
import type { LoopTerminal } from '../terminal';
import type { ExtensionContext, LogOutputChannel, VSCode, WorkspaceFolder } from '../vscodeTypes';

/** One run of the loop, as the commands start it. */
export interface RunOptions {
  only?: string[];
}

/**
 * What the commands act through: the adapter's parts and a few of its operations. The extension
 * implements it; the commands never import the extension, so the two do not depend on each other.
 */
export interface CommandHost {
  readonly vscode: VSCode;
  readonly context: ExtensionContext;
  readonly log: LogOutputChannel;
  readonly engine: Engine;
  readonly docs: GeneratedDocuments;
  readonly tests: SmokeTestController;
  readonly diffPreview: DiffPreview;
  readonly bundles: BundleExport;
  readonly reports: ReportPanels;
  readonly statusBar: FreshnessStatusBar;
  readonly terminal: LoopTerminal;
  pickFolder(arg?: unknown): Promise<WorkspaceFolder | undefined>;
  settingsFor(folder: WorkspaceFolder): Settings | undefined;
  python(folder: WorkspaceFolder, settings: Settings): Promise<string>;
  childEnv(settings: Settings): Promise<NodeJS.ProcessEnv>;
  run(folder: WorkspaceFolder, options?: RunOptions): Promise<LoopOutcome | undefined>;
  cancel(folder?: WorkspaceFolder): boolean;
  isRunningOn(folder: WorkspaceFolder): boolean;
  lastOutcome(folder: WorkspaceFolder): LoopOutcome | undefined;
  excludeSignature(folder: WorkspaceFolder, signature: string): Promise<void>;
  openAt(folder: WorkspaceFolder, file: string, line: number): Promise<void>;
  checkPrerequisites(folder: WorkspaceFolder): Promise<PrerequisiteReport | undefined>;
}

export interface PrerequisiteReport {
  python: string;
  pytest: boolean;
  freshness: boolean;
  producer: { ok: boolean; producer: string; detail: string; setting?: string };
  lines: string[];
}

/** Registers a command whose failure is logged and shown, never thrown at the workbench. */
export function registrar(host: CommandHost, store: DisposableStore) {
  const { vscode } = host;
  // Each command's own parameter types: VS Code hands in whatever the menu or caller passes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (id: string, fn: (...args: any[]) => unknown) =>
    store.add(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (error) {
          host.log.error(`${id}: ${describeError(error)}`);
          void vscode.window.showErrorMessage(`Smokes Fixer: ${describeError(error)}`);
          return undefined;
        }
      }),
    );
}

export type Register = ReturnType<typeof registrar>;
