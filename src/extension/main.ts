// Entry point: the `vscode` module is handed to the adapter, which is the only code that uses it.
import type { ExtensionContext, VSCode } from './vscodeTypes';
import { SmokesFixerExtension, type SmokesFixerApi } from './extension';

export type { SmokesFixerApi } from './extension';

export function activate(context: ExtensionContext): SmokesFixerApi {
  const startedAt = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return new SmokesFixerExtension(require('vscode') as VSCode, context).activate(startedAt);
}

export function deactivate(): void {
  // Everything the extension made is in the store pushed to context.subscriptions.
}
