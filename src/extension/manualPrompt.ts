import type { VSCode } from './vscodeTypes';

export type ManualAnswer = 'done' | 'skip';

export const MANUAL_PROMPT_TEXT = 'Smokes Fixer is waiting for your edit: change the code, save, then press Done (Skip spends the attempt).';

/**
 * The manual producer's Done/Skip prompt: a notification the person answers, also answerable through
 * the extension's API (other extensions, tests), since VS Code cannot press a notification's button.
 */
export class ManualPrompt {
  /** Workspace path → how to settle the wait in progress there. */
  private readonly pending = new Map<string, (answer: ManualAnswer) => void>();

  constructor(private readonly vscode: VSCode) {}

  /** Whether the loop on `workspace` is waiting for the person's edit. */
  isWaiting(workspace: string): boolean {
    return this.pending.has(workspace);
  }

  /** Settles the wait on `workspace` as the Done or Skip button would; false when nothing waits. */
  answer(workspace: string, answer: ManualAnswer): boolean {
    const settle = this.pending.get(workspace);
    if (!settle) return false;
    settle(answer);
    return true;
  }

  /** The manual producer's waiter: 'edited' on Done, 'skip' on Skip, on dismissal or on cancel. */
  wait(workspace: string, signal: AbortSignal): Promise<'edited' | 'skip'> {
    return new Promise((resolve) => {
      const settle = (answer: ManualAnswer) => {
        if (this.pending.get(workspace) !== settle) return;
        this.pending.delete(workspace);
        signal.removeEventListener('abort', onAbort);
        resolve(answer === 'done' && !signal.aborted ? 'edited' : 'skip');
      };
      const onAbort = () => settle('skip');
      this.pending.set(workspace, settle);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      void Promise.resolve(this.vscode.window.showInformationMessage(MANUAL_PROMPT_TEXT, 'Done', 'Skip')).then(
        (pick) => settle(pick === 'Done' ? 'done' : 'skip'),
        () => settle('skip'),
      );
    });
  }
}
