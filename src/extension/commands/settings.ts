import { SETTINGS_SECTION } from '../configSchema';
import { OPENAI_SECRET_KEY } from '../keys';
import { openSettingWhereSet } from '../settingsLink';
import type { RepairNode } from '../repairTree';
import type { WorkspaceFolder } from '../vscodeTypes';
import type { CommandHost, Register } from './host';

/** Set-up: prerequisites, producer, interpreter, the API key, settings, and where output shows. */
export function registerSettingsCommands(host: CommandHost, register: Register): void {
  const { vscode } = host;

  register('smokesFixer.setOpenAIApiKey', async () => {
    const key = await vscode.window.showInputBox({
      title: 'Smokes Fixer: OpenAI API Key',
      prompt: 'Kept in VS Code\'s secret storage and passed to the openai producer in its environment; never written to settings or logs.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    if (key.trim() === '') await host.context.secrets.delete(OPENAI_SECRET_KEY);
    else await host.context.secrets.store(OPENAI_SECRET_KEY, key.trim());
    void vscode.window.showInformationMessage(key.trim() ? 'OpenAI API key stored.' : 'OpenAI API key removed.');
  });

  register('smokesFixer.checkPrerequisites', async (arg?: unknown) => {
    const folder = await host.pickFolder(arg);
    if (!folder) return undefined;
    const report = await host.checkPrerequisites(folder);
    if (!report) return undefined;
    const problems = [!report.pytest && 'pytest is missing', !report.producer.ok && `the patch producer cannot start (${report.producer.detail})`].filter(Boolean);
    const summary = problems.length ? `Smokes Fixer is not ready: ${problems.join('; ')}.` : 'Smokes Fixer is ready.';
    const actions = report.producer.ok ? ['Show Log'] : ['Open Settings', 'Show Log'];
    const show = problems.length ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
    void show(`${summary} ${report.lines.join(' · ')}`, ...actions).then((c) => {
      if (c === 'Show Log') host.log.show();
      if (c === 'Open Settings') openSettingWhereSet(vscode, report.producer.setting ?? 'producer', folder).catch((e) => host.log.error(`Open Settings: ${String(e)}`));
    });
    return report;
  });

  register('smokesFixer.selectProducer', async () => {
    const folder = await host.pickFolder();
    if (!folder) return;
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'vscode-lm', description: 'A model through VS Code\'s Language Model API' },
        { label: 'openai', description: 'An OpenAI-compatible HTTP endpoint (key in secret storage)' },
        { label: 'command', description: 'A command that reads a JSON request on stdin and writes a diff' },
        { label: 'manual', description: 'Your own edits: the loop waits, then verifies' },
      ],
      { title: 'Smokes Fixer: Where should patches come from?' },
    );
    if (!pick) return;
    await vscode.workspace.getConfiguration(SETTINGS_SECTION, folder.uri).update('producer', pick.label, vscode.ConfigurationTarget.Workspace);
    if (pick.label === 'command') await openSettingWhereSet(vscode, 'producerCommand', folder);
    if (pick.label === 'openai') await vscode.commands.executeCommand('smokesFixer.setOpenAIApiKey');
  });

  register('smokesFixer.selectInterpreter', async () => {
    if (vscode.extensions.getExtension('ms-python.python')) return vscode.commands.executeCommand('python.setInterpreter');
    return openSettingWhereSet(vscode, 'pythonPath');
  });

  // With a key (from a message's "Open Settings"): the scope where its value is set; without: every setting.
  register('smokesFixer.openSettings', async (key?: unknown, folderArg?: unknown) => {
    // The Repairs view's problem node passes itself.
    if (key && typeof key === 'object' && (key as RepairNode).kind === 'problem') {
      const node = key as Extract<RepairNode, { kind: 'problem' }>;
      return openSettingWhereSet(vscode, node.check.setting ?? 'producer', node.folder);
    }
    if (typeof key === 'string' && key) {
      const folder: WorkspaceFolder | undefined = folderArg ? await host.pickFolder(folderArg) : undefined;
      return openSettingWhereSet(vscode, key, folder);
    }
    return vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${host.context.extension.id}`);
  });

  register('smokesFixer.showLog', () => host.log.show());
  register('smokesFixer.showTerminal', () => host.terminal.show(false));
}
