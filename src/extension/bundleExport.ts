import { readFile, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { EscalationBundle } from '../core/bundle';
import type { Engine } from './engine';
import type { ReportPanels } from './reportPanel';
import type { Uri, VSCode, WorkspaceFolder } from './vscodeTypes';

export const BUNDLE_FILE = 'artifacts/escalation.json';
export const ARTIFACT_FILES = [
  { path: 'artifacts/smoke.html', label: 'HTML report', report: true },
  { path: 'artifacts/smoke.xml', label: 'JUnit XML', report: false },
  { path: 'requirements.snapshot.txt', label: 'Requirements snapshot', report: false },
  { path: BUNDLE_FILE, label: 'Escalation bundle', report: false },
  { path: 'artifacts/run-log.jsonl', label: 'Run log', report: false },
] as const;

/** The escalation bundle's export and the run's artifacts. */
export class BundleExport {
  constructor(
    private readonly vscode: VSCode,
    private readonly engine: Engine,
    private readonly reports: ReportPanels,
  ) {}

  /** The last bundle of a folder: the one in memory from the last loop, else the one on disk. */
  async lastBundle(folder: WorkspaceFolder, inMemory: EscalationBundle | null): Promise<EscalationBundle | null> {
    if (inMemory) return this.engine.bundleSchema.parse(inMemory);
    try {
      const text = await readFile(join(folder.uri.fsPath, BUNDLE_FILE), 'utf8');
      return this.engine.bundleSchema.parse(JSON.parse(text));
    } catch {
      return null;
    }
  }

  /** Writes the bundle where the person chooses (or `target`); returns where it went. */
  async save(bundle: EscalationBundle, folder: WorkspaceFolder, target?: Uri): Promise<Uri | undefined> {
    const vscode = this.vscode;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        title: 'Smokes Fixer: Export Escalation Bundle',
        defaultUri: vscode.Uri.file(join(folder.uri.fsPath, 'escalation-bundle.json')),
        filters: { JSON: ['json'] },
        saveLabel: 'Export',
      }));
    if (!uri) return undefined;
    await writeFile(uri.fsPath, this.engine.serializeBundle(bundle));
    return uri;
  }

  copy(bundle: EscalationBundle): string {
    const text = this.engine.serializeBundle(bundle);
    // Not awaited: in a browser-hosted workbench the clipboard may wait for page focus.
    void Promise.resolve(this.vscode.env.clipboard.writeText(text)).catch(() => undefined);
    return text;
  }

  async existingArtifacts(folder: WorkspaceFolder) {
    const found = [];
    for (const a of ARTIFACT_FILES) {
      const ok = await access(join(folder.uri.fsPath, a.path)).then(() => true, () => false);
      if (ok) found.push(a);
    }
    return found;
  }

  /**
   * Whether the system browser can open a file of this machine: only in desktop VS Code on the machine
   * itself (not in a browser-hosted workbench, not over a remote connection).
   */
  get canOpenInBrowser(): boolean {
    return this.vscode.env.uiKind === this.vscode.UIKind.Desktop && !this.vscode.env.remoteName;
  }

  /** The HTML report in the system browser, where that can work. */
  async openInBrowser(folder: WorkspaceFolder, path = 'artifacts/smoke.html'): Promise<boolean> {
    if (!this.canOpenInBrowser) return false;
    return this.vscode.env.openExternal(this.vscode.Uri.file(join(folder.uri.fsPath, path)));
  }

  /**
   * Opens one artifact: the HTML report in a webview panel inside the editor (a `file:` URI handed to
   * the browser opens nothing in a browser-hosted workbench), the others in an editor.
   */
  async open(folder: WorkspaceFolder, path?: string): Promise<boolean> {
    const vscode = this.vscode;
    const available = await this.existingArtifacts(folder);
    if (available.length === 0) {
      void vscode.window.showInformationMessage('No artifacts yet: run Smokes Fixer first.');
      return false;
    }
    let choice = path ? available.find((a) => a.path === path) : undefined;
    if (!choice) {
      const pick = await vscode.window.showQuickPick(
        available.map((a) => ({ label: a.label, description: a.path, artifact: a })),
        { title: 'Smokes Fixer: Open Artifact' },
      );
      choice = pick?.artifact;
    }
    if (!choice) return false;
    const uri = vscode.Uri.file(join(folder.uri.fsPath, choice.path));
    if (choice.report) {
      await this.reports.show(folder, choice.path);
      return true;
    }
    await vscode.window.showTextDocument(uri, { preview: true });
    return true;
  }
}
