import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PatchSummary } from '../core/types';
import type { GeneratedDocuments } from './contentProvider';
import { previewPatch, type PreviewFile } from './patchPreview';
import type { Uri, VSCode } from './vscodeTypes';

export const REVIEW_CONTEXT_KEY = 'smokesFixer.reviewPending';

export type ReviewDecision = 'apply' | 'reject';

interface PendingReview {
  resolve(decision: ReviewDecision): void;
  uris: Uri[];
}

/**
 * The loop's `reviewPatch` hook in the editor: the proposed patch opens in the diff editor before it
 * touches the disk, and the loop waits for Apply or Reject (notification buttons or the editor title).
 */
export class DiffPreview {
  private pending: PendingReview | undefined;
  private counter = 0;
  /** The files of the last preview, for tests and the "show patch" command. */
  lastPreview: { files: PreviewFile[]; uris: Array<{ left: Uri; right: Uri }> } | undefined;

  constructor(
    private readonly vscode: VSCode,
    private readonly docs: GeneratedDocuments,
  ) {}

  get isPending(): boolean {
    return this.pending !== undefined;
  }

  /** Settles the review in progress (editor title buttons and the Apply/Reject commands). */
  decide(decision: ReviewDecision): boolean {
    const pending = this.pending;
    if (!pending) return false;
    pending.resolve(decision);
    return true;
  }

  async review(
    p: { patch: PatchSummary; signature: string; attempt: number; workspace: string },
    signal: AbortSignal,
  ): Promise<ReviewDecision> {
    const vscode = this.vscode;
    const id = ++this.counter;
    const files = await previewPatch(p.patch.diff, (path) => readFile(join(p.workspace, path), 'utf8').catch(() => null));
    const uris = files.map((f) => ({
      left: f.status === 'created' ? this.docs.set(`/empty/${id}/${f.path}`, '') : vscode.Uri.file(join(p.workspace, f.oldPath ?? f.path)),
      right: this.docs.set(`/patched/${id}/${f.path}`, f.after ?? `The patch does not apply cleanly to ${f.path} as it is on disk.\n\n${p.patch.diff}`),
    }));
    this.lastPreview = { files, uris };
    const title = `Smokes Fixer: attempt ${p.attempt} patch`;

    const decision = new Promise<ReviewDecision>((resolve) => {
      this.pending = { resolve, uris: uris.map((u) => u.right) };
    });
    const onAbort = () => this.decide('reject');
    signal.addEventListener('abort', onAbort, { once: true });
    await vscode.commands.executeCommand('setContext', REVIEW_CONTEXT_KEY, true);
    try {
      if (uris.length === 1) {
        await vscode.commands.executeCommand('vscode.diff', uris[0].left, uris[0].right, `${files[0].path} (${title})`, { preview: false });
      } else if (uris.length > 1) {
        await vscode.commands.executeCommand(
          'vscode.changes',
          title,
          uris.map((u, i) => [vscode.Uri.file(join(p.workspace, files[i].path)), u.left, u.right]),
        );
      }
      // A dismissed notification leaves the editor title buttons; only a button press decides here.
      void vscode.window
        .showInformationMessage(
          `Apply the proposed patch (attempt ${p.attempt}, ${p.patch.fileCount} file(s), ${p.patch.changedLines} line(s))? Reject spends the attempt.`,
          'Apply',
          'Reject',
        )
        .then((choice) => {
          if (choice === 'Apply') this.decide('apply');
          else if (choice === 'Reject') this.decide('reject');
        });
      return await decision;
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.pending = undefined;
      await vscode.commands.executeCommand('setContext', REVIEW_CONTEXT_KEY, false);
      await this.closeTabs(uris.map((u) => u.right.toString()), uris.length > 1 ? title : undefined);
    }
  }

  private async closeTabs(rights: string[], title?: string): Promise<void> {
    const vscode = this.vscode;
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((tab) => {
        const input = tab.input;
        if (input instanceof vscode.TabInputTextDiff) return rights.includes(input.modified.toString());
        // The multi-file diff has no public tab input type: it is known by its title.
        return title !== undefined && tab.label === title;
      });
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs).then(undefined, () => undefined);
  }
}
