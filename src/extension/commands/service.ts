import type { CommandHost, Register } from './host';

/** The exec-rpc service: restart and probe (the status bar's click), refresh the freshness item. */
export function registerServiceCommands(host: CommandHost, register: Register): void {
  const { vscode } = host;

  register('smokesFixer.restartAndProbe', async (arg?: unknown) => {
    const folder = await host.pickFolder(arg);
    if (!folder) return undefined;
    const settings = host.settingsFor(folder);
    if (!settings) return undefined;
    host.log.info(`$ make exec-rpc-restart && make exec-rpc-probe (in ${folder.uri.fsPath})`);
    const tracker = await host.engine.newTracker();
    const env = await host.childEnv(settings);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Smokes Fixer: restarting and probing exec-rpc (${folder.name})`, cancellable: true },
      async (_progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return await host.engine.restartAndProbe({
            workspace: folder.uri.fsPath,
            signal: controller.signal,
            tracker,
            env,
            metaUrl: settings.metaUrl,
            onOutput: (text: string) => host.log.info(text.replace(/\n$/, '')),
          });
        } finally {
          sub.dispose();
        }
      },
    );
    host.log.info(`Restart + probe ${result.ok ? 'reported "t_ms"' : `did not report "t_ms" (exit ${result.exitCode ?? 'none'})`}.`);
    if (!result.ok) {
      void vscode.window.showWarningMessage('exec-rpc restart + probe did not report "t_ms".', 'Show Log').then((c) => c && host.log.show());
    }
    await host.statusBar.refresh();
    return result;
  });

  register('smokesFixer.refreshFreshness', () => host.statusBar.refresh());
}
