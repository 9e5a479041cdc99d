import type { Uri, WorkspaceFolder } from '../vscodeTypes';
import type { EscalationBundle } from '../../core/bundle';
import type { CommandHost, Register } from './host';

/** A run's results: the escalation bundle, the artifacts, the HTML report, the loop's snapshot. */
export function registerArtifactCommands(host: CommandHost, register: Register): void {
  const { vscode } = host;

  const bundleFor = async (arg?: unknown): Promise<{ folder: WorkspaceFolder; bundle: EscalationBundle | null } | undefined> => {
    const folder = await host.pickFolder(arg);
    if (!folder) return undefined;
    const outcome = host.lastOutcome(folder);
    const inMemory = outcome && outcome.kind !== 'success' ? outcome.bundle : null;
    const bundle = await host.bundles.lastBundle(folder, inMemory);
    if (!bundle) void vscode.window.showInformationMessage('There is no escalation bundle yet: a run writes one when it escalates.');
    return { folder, bundle };
  };

  register('smokesFixer.exportBundle', async (arg?: unknown, target?: Uri) => {
    const found = await bundleFor(arg);
    if (!found?.bundle) return undefined;
    const uri = await host.bundles.save(found.bundle, found.folder, target);
    if (uri) {
      host.log.info(`Escalation bundle exported to ${uri.fsPath}`);
      if (!target) void vscode.window.showInformationMessage(`Escalation bundle saved to ${uri.fsPath}.`);
    }
    return uri;
  });

  register('smokesFixer.copyBundle', async (arg?: unknown) => {
    const found = await bundleFor(arg);
    if (!found?.bundle) return undefined;
    const text = host.bundles.copy(found.bundle);
    void vscode.window.setStatusBarMessage('Escalation bundle copied to the clipboard.', 3000);
    return text;
  });

  register('smokesFixer.openArtifact', async (arg?: unknown, path?: string) => {
    const folder = await host.pickFolder(arg);
    return folder ? host.bundles.open(folder, path) : false;
  });

  // The HTML report in a webview panel inside the editor; returns the panel.
  register('smokesFixer.openReport', async (arg?: unknown) => {
    const folder = await host.pickFolder(arg);
    if (!folder) return undefined;
    if (!(await host.bundles.existingArtifacts(folder)).some((a) => a.report)) {
      void vscode.window.showInformationMessage('No HTML report yet: run Smokes Fixer first.');
      return undefined;
    }
    return host.reports.show(folder);
  });

  register('smokesFixer.openReportInBrowser', async (arg?: unknown) => {
    const folder = await host.pickFolder(arg);
    if (!folder) return false;
    if (!host.bundles.canOpenInBrowser) {
      void vscode.window.showInformationMessage('The browser cannot open files of this machine from here: the report opens inside the editor.');
      await host.reports.show(folder);
      return false;
    }
    return host.bundles.openInBrowser(folder);
  });

  register('smokesFixer.restoreSnapshot', async (arg?: unknown) => {
    const folder = await host.pickFolder(arg);
    if (!folder) return;
    if (host.isRunningOn(folder)) return void vscode.window.showWarningMessage('Cancel the running loop before restoring its snapshot.');
    const confirm = await vscode.window.showWarningMessage(
      'Restore the working tree to its state before the last loop\'s first patch?',
      { modal: true },
      'Restore',
    );
    if (confirm !== 'Restore') return;
    const result = await host.engine.restoreLastSnapshot(folder.uri.fsPath, host.log);
    if (!result) return void vscode.window.showInformationMessage('No snapshot to restore: no loop has run in this folder.');
    host.log.info(`Restored: ${result.written.length} file(s) written, ${result.removed.length} removed.`);
    void vscode.window.showInformationMessage(`Restored ${result.written.length} file(s), removed ${result.removed.length}.`);
    return result;
  });
}
