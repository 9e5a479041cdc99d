import { describeError } from '../core/errors';
import { SETTINGS_SECTION } from './configSchema';
import { DisposableStore } from './disposables';
import type { SmokesFixerExtension } from './extension';
import { OPENAI_SECRET_KEY } from './extension';
import { investigationDocument, type RepairNode } from './repairTree';
import type { TestItem, Uri, WorkspaceFolder } from './vscodeTypes';

/** Every command the extension contributes; item-only ones are hidden from the palette in package.json. */
export function registerCommands(ext: SmokesFixerExtension): DisposableStore {
  const { vscode } = ext;
  const store = new DisposableStore();
  const register = (id: string, fn: (...args: any[]) => unknown) =>
    store.add(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (error) {
          ext.log.error(`${id}: ${describeError(error)}`);
          void vscode.window.showErrorMessage(`Smokes Fixer: ${describeError(error)}`);
          return undefined;
        }
      }),
    );

  const signatureOf = (node: RepairNode | undefined) => (node && node.kind !== 'folder' ? node : undefined);

  register('smokesFixer.run', async (arg?: unknown) => {
    const folder = await ext.pickFolder(arg);
    return folder ? ext.run(folder) : undefined;
  });

  register('smokesFixer.cancel', async (arg?: unknown) => {
    const folder = arg ? await ext.pickFolder(arg) : undefined;
    if (!ext.cancel(folder)) void vscode.window.showInformationMessage('Smokes Fixer is not running.');
  });

  // From the test item context menu (a TestItem) or the failure peek ({ test, message }).
  register('smokesFixer.fixTest', async (arg?: TestItem | { test?: TestItem }) => {
    const item = arg && 'test' in arg && arg.test ? arg.test : (arg as TestItem | undefined);
    const info = item ? ext.tests.itemInfo(item) : undefined;
    if (!info) {
      void vscode.window.showWarningMessage('Pick a failed smoke test in the Test Explorer to fix it alone.');
      return undefined;
    }
    return ext.run(info.folder, { only: [info.nodeid] });
  });

  register('smokesFixer.applyPatch', () => {
    if (!ext.diffPreview.decide('apply')) void vscode.window.showInformationMessage('No patch is waiting for review.');
  });
  register('smokesFixer.rejectPatch', () => {
    if (!ext.diffPreview.decide('reject')) void vscode.window.showInformationMessage('No patch is waiting for review.');
  });

  register('smokesFixer.openFailingLine', async (node?: RepairNode) => {
    const n = signatureOf(node);
    if (!n?.record.location) return;
    await ext.openAt(n.folder, n.record.location.file, n.record.location.line);
  });

  register('smokesFixer.showAttemptOutput', async (node?: RepairNode) => {
    if (!node || (node.kind !== 'attempt' && node.kind !== 'detail')) return;
    const a = node.attempt;
    const uri = ext.docs.set(
      `/attempt-output/${encodeURIComponent(node.record.nodeid)}/attempt-${a.attempt}.log`,
      `$ ${a.command}\n\n${a.output ?? '(no output was recorded for this attempt)'}`,
    );
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  });

  register('smokesFixer.showAttemptPatch', async (node?: RepairNode) => {
    if (!node || (node.kind !== 'attempt' && node.kind !== 'detail')) return;
    const diff = node.attempt.diff ?? node.attempt.patch?.diff;
    if (!diff) return void vscode.window.showInformationMessage('This attempt has no patch.');
    const uri = ext.docs.set(`/patch/${encodeURIComponent(node.record.nodeid)}/attempt-${node.attempt.attempt}.diff`, diff);
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  });

  // An investigation node: the exact payload sent to the helper and its answer, read-only.
  register('smokesFixer.showInvestigation', async (node?: RepairNode) => {
    if (node?.kind !== 'investigation') return;
    const i = node.investigation;
    const uri = ext.docs.set(
      `/investigation/${encodeURIComponent(node.record.nodeid)}/attempt-${node.attempt.attempt}-${i.helper}.json`,
      investigationDocument(i),
    );
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  });

  register('smokesFixer.copyReproCommand', async (node?: RepairNode) => {
    const n = signatureOf(node);
    if (!n) return;
    const command =
      n.kind === 'attempt' || n.kind === 'detail'
        ? n.attempt.command
        : (n.record.attempts.at(-1)?.command ?? `pytest -vv -l -s --tb=long --maxfail=1 ${n.record.nodeid}`);
    void Promise.resolve(vscode.env.clipboard.writeText(command)).catch(() => undefined);
    void vscode.window.setStatusBarMessage(`Copied: ${command}`, 3000);
    return command;
  });

  register('smokesFixer.rerunTest', async (node?: RepairNode) => {
    const n = signatureOf(node);
    if (n) return ext.run(n.folder, { only: [n.record.nodeid] });
  });

  register('smokesFixer.excludeSignature', async (node?: RepairNode) => {
    const n = signatureOf(node);
    if (!n) return;
    await ext.excludeSignature(n.folder, n.record.signature);
    void vscode.window.showInformationMessage(`Excluded from later runs: ${n.record.signature}`);
  });

  const bundleFor = async (arg?: unknown): Promise<{ folder: WorkspaceFolder; bundle: Awaited<ReturnType<typeof ext.bundles.lastBundle>> } | undefined> => {
    const folder = await ext.pickFolder(arg);
    if (!folder) return undefined;
    const outcome = ext.lastOutcome(folder);
    const inMemory = outcome && outcome.kind !== 'success' ? outcome.bundle : null;
    const bundle = await ext.bundles.lastBundle(folder, inMemory);
    if (!bundle) void vscode.window.showInformationMessage('There is no escalation bundle yet: a run writes one when it escalates.');
    return { folder, bundle };
  };

  register('smokesFixer.exportBundle', async (arg?: unknown, target?: Uri) => {
    const found = await bundleFor(arg);
    if (!found?.bundle) return undefined;
    const uri = await ext.bundles.save(found.bundle, found.folder, target);
    if (uri) {
      ext.log.info(`Escalation bundle exported to ${uri.fsPath}`);
      if (!target) void vscode.window.showInformationMessage(`Escalation bundle saved to ${uri.fsPath}.`);
    }
    return uri;
  });

  register('smokesFixer.copyBundle', async (arg?: unknown) => {
    const found = await bundleFor(arg);
    if (!found?.bundle) return undefined;
    const text = await ext.bundles.copy(found.bundle);
    void vscode.window.setStatusBarMessage('Escalation bundle copied to the clipboard.', 3000);
    return text;
  });

  register('smokesFixer.openArtifact', async (arg?: unknown, path?: string) => {
    const folder = await ext.pickFolder(arg);
    return folder ? ext.bundles.open(folder, path) : false;
  });

  register('smokesFixer.restartAndProbe', async (arg?: unknown) => {
    const folder = await ext.pickFolder(arg);
    if (!folder) return undefined;
    const settings = ext.settingsFor(folder);
    if (!settings) return undefined;
    ext.log.info(`$ make exec-rpc-restart && make exec-rpc-probe (in ${folder.uri.fsPath})`);
    const tracker = ext.engine.newTracker();
    const env = await ext.childEnv(settings);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Smokes Fixer: restarting and probing exec-rpc', cancellable: true },
      async (_progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return await ext.engine.restartAndProbe({
            workspace: folder.uri.fsPath,
            signal: controller.signal,
            tracker,
            env,
            metaUrl: settings.metaUrl,
            onOutput: (text: string) => ext.log.info(text.replace(/\n$/, '')),
          });
        } finally {
          sub.dispose();
        }
      },
    );
    ext.log.info(`Restart + probe ${result.ok ? 'reported "t_ms"' : `did not report "t_ms" (exit ${result.exitCode ?? 'none'})`}.`);
    if (!result.ok) {
      void vscode.window.showWarningMessage('exec-rpc restart + probe did not report "t_ms".', 'Show Log').then((c) => c && ext.log.show());
    }
    await ext.statusBar.refresh();
    return result;
  });

  register('smokesFixer.refreshFreshness', () => ext.statusBar.refresh());

  register('smokesFixer.setOpenAIApiKey', async () => {
    const key = await vscode.window.showInputBox({
      title: 'Smokes Fixer: OpenAI API Key',
      prompt: 'Kept in VS Code\'s secret storage and passed to the openai producer in its environment; never written to settings or logs.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    if (key.trim() === '') await ext.context.secrets.delete(OPENAI_SECRET_KEY);
    else await ext.context.secrets.store(OPENAI_SECRET_KEY, key.trim());
    void vscode.window.showInformationMessage(key.trim() ? 'OpenAI API key stored.' : 'OpenAI API key removed.');
  });

  register('smokesFixer.checkPrerequisites', async (arg?: unknown) => {
    const folder = await ext.pickFolder(arg);
    if (!folder) return undefined;
    const settings = ext.settingsFor(folder);
    if (!settings) return undefined;
    const python = await ext.python(folder, settings);
    const pytest = await ext.engine.detectPytest(python, folder.uri.fsPath, new AbortController().signal);
    const explicitUrl = settings.metaUrl !== ext.engine.defaultSettings.metaUrl;
    const freshness = await ext.engine.freshnessConfigured(folder.uri.fsPath, explicitUrl);
    const lines = [
      `Interpreter: ${python}`,
      pytest.ok ? `pytest: available${pytest.html ? ' (with pytest-html)' : ''}` : `pytest: NOT available (${pytest.error ?? 'unknown error'})`,
      freshness ? `exec-rpc: configured (${settings.metaUrl})` : 'exec-rpc: not configured (no exec-rpc-restart/exec-rpc-probe Makefile targets); freshness checks are skipped',
      `Producer: ${settings.producer}${settings.producer === 'command' ? ` (${settings.producerCommand || 'no command set'})` : ''}`,
    ];
    for (const line of lines) ext.log.info(`Check: ${line}`);
    const summary = pytest.ok ? 'Smokes Fixer is ready.' : 'Smokes Fixer is not ready: pytest is missing.';
    void vscode.window.showInformationMessage(`${summary} ${lines.join(' · ')}`, 'Show Log').then((c) => c && ext.log.show());
    return { python, pytest: pytest.ok, freshness };
  });

  register('smokesFixer.selectProducer', async () => {
    const folder = await ext.pickFolder();
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
    if (pick.label === 'command') await vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.producerCommand`);
    if (pick.label === 'openai') await vscode.commands.executeCommand('smokesFixer.setOpenAIApiKey');
  });

  register('smokesFixer.selectInterpreter', async () => {
    if (vscode.extensions.getExtension('ms-python.python')) return vscode.commands.executeCommand('python.setInterpreter');
    return vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.pythonPath`);
  });

  register('smokesFixer.restoreSnapshot', async (arg?: unknown) => {
    const folder = await ext.pickFolder(arg);
    if (!folder) return;
    if (ext.isRunningOn(folder)) return void vscode.window.showWarningMessage('Cancel the running loop before restoring its snapshot.');
    const confirm = await vscode.window.showWarningMessage(
      'Restore the working tree to its state before the last loop\'s first patch?',
      { modal: true },
      'Restore',
    );
    if (confirm !== 'Restore') return;
    const result = await ext.engine.restoreLastSnapshot(folder.uri.fsPath, ext.log);
    if (!result) return void vscode.window.showInformationMessage('No snapshot to restore: no loop has run in this folder.');
    ext.log.info(`Restored: ${result.written.length} file(s) written, ${result.removed.length} removed.`);
    void vscode.window.showInformationMessage(`Restored ${result.written.length} file(s), removed ${result.removed.length}.`);
    return result;
  });

  register('smokesFixer.showLog', () => ext.log.show());
  register('smokesFixer.showTerminal', () => ext.terminal.show(false));
  register('smokesFixer.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${ext.context.extension.id}`));
  return store;
}
