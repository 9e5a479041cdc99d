import { readFile, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { EscalationBundle } from '../core/bundle';
import type { Engine } from './engine';
import type { Uri, VSCode, WorkspaceFolder } from './vscodeTypes';

export const BUNDLE_FILE = 'artifacts/escalation.json';
export const ARTIFACT_FILES = [
  { path: 'artifacts/smoke.html', label: 'HTML report', external: true },
  { path: 'artifacts/smoke.xml', label: 'JUnit XML', external: false },
  { path: 'requirements.snapshot.txt', label: 'Requirements snapshot', external: false },
  { path: BUNDLE_FILE, label: 'Escalation bundle', external: false },
  { path: 'artifacts/run-log.jsonl', label: 'Run log', external: false },
] as const;

/** The escalation bundle's export and the run's artifacts. */
export class BundleExport {
  constructor(
    private readonly vscode: VSCode,
    private readonly engine: Engine,
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

  async copy(bundle: EscalationBundle): Promise<string> {
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

  /** Opens one artifact: the HTML report in the browser, the others in an editor. */
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
    if (choice.external) return vscode.env.openExternal(uri);
    await vscode.window.showTextDocument(uri, { preview: true });
    return true;
  }
}
