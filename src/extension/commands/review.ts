import type { CommandHost, Register } from './host';

/**
 * Deciding a proposed patch outside its notification: the diff editor's title actions (they pass the
 * preview's URI, which names the folder's review), the palette, and the status-bar entry that reopens it.
 */
export function registerReviewCommands(host: CommandHost, register: Register): void {
  const { vscode, diffPreview } = host;

  /** The review a command is about; in a multi-root window with several waiting, the person picks. */
  const target = async (arg?: unknown): Promise<string | undefined> => {
    const found = diffPreview.find(arg instanceof vscode.Uri ? arg : undefined);
    if (found) return found.workspace;
    const waiting = diffPreview.waiting;
    if (waiting.length === 0) return undefined;
    const pick = await vscode.window.showQuickPick(
      waiting.map((p) => ({ label: p.folderName, description: `attempt ${p.attempt}: ${p.patch.fileCount} file(s), ${p.patch.changedLines} line(s)`, workspace: p.workspace })),
      { title: 'Smokes Fixer: Which folder\'s patch?' },
    );
    return pick?.workspace;
  };

  const decide = (decision: 'apply' | 'reject') => async (arg?: unknown) => {
    const workspace = await target(arg);
    if (!workspace || !diffPreview.decide(decision, workspace)) void vscode.window.showInformationMessage('No patch is waiting for review.');
  };
  register('smokesFixer.applyPatch', decide('apply'));
  register('smokesFixer.rejectPatch', decide('reject'));

  register('smokesFixer.reviewPatch', async (arg?: unknown) => {
    const workspace = await target(arg);
    if (!workspace || !(await diffPreview.reopen(workspace))) void vscode.window.showInformationMessage('No patch is waiting for review.');
  });
}
