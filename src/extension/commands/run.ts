import type { TestItem } from '../vscodeTypes';
import type { CommandHost, Register } from './host';

/** Starting and stopping the loop: the palette, the Repairs view's title, a failed test in the Test Explorer. */
export function registerRunCommands(host: CommandHost, register: Register): void {
  const { vscode } = host;

  register('smokesFixer.run', async (arg?: unknown) => {
    const folder = await host.pickFolder(arg);
    return folder ? host.run(folder) : undefined;
  });

  register('smokesFixer.cancel', async (arg?: unknown) => {
    const folder = arg ? await host.pickFolder(arg) : undefined;
    if (!host.cancel(folder)) void vscode.window.showInformationMessage('Smokes Fixer is not running.');
  });

  // From the test item's context menu or inline action (a TestItem) or the failure peek ({ test, message }).
  register('smokesFixer.fixTest', async (arg?: TestItem | { test?: TestItem }) => {
    const item = arg && 'test' in arg && arg.test ? arg.test : (arg as TestItem | undefined);
    const info = item ? host.tests.itemInfo(item) : undefined;
    if (!info) {
      void vscode.window.showWarningMessage('Pick a failed smoke test in the Test Explorer to fix it alone.');
      return undefined;
    }
    return host.run(info.folder, { only: [info.nodeid] });
  });
}
