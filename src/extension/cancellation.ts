import type { CancellationToken, Disposable, VSCode } from './vscodeTypes';

/** Bridges an editor CancellationToken to an AbortSignal (and back), the way the engine expects. */
export function signalFromToken(token: CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const sub: Disposable = token.onCancellationRequested(() => controller.abort());
  return {
    signal: controller.signal,
    dispose: () => {
      sub.dispose();
    },
  };
}

export function tokenFromSignal(vscode: VSCode, signal: AbortSignal): { token: CancellationToken; dispose(): void } {
  const source = new vscode.CancellationTokenSource();
  const onAbort = () => source.cancel();
  if (signal.aborted) source.cancel();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    token: source.token,
    dispose: () => {
      signal.removeEventListener('abort', onAbort);
      source.dispose();
    },
  };
}
