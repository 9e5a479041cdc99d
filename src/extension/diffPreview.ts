import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { PatchSummary } from '../core/types';
import type { GeneratedDocuments } from './contentProvider';
import { previewPatch, type PreviewFile } from './patchPreview';
import type { Disposable, StatusBarItem, Uri, VSCode } from './vscodeTypes';

export const REVIEW_CONTEXT_KEY = 'smokesFixer.reviewPending';
export const REVIEW_COMMAND = 'smokesFixer.reviewPatch';

export type ReviewDecision = 'apply' | 'reject';

/** One attempt's patch waiting for the person's decision. */
export interface PendingReview {
  /** Unique per review: a notification's buttons carry it, so they can only decide their own attempt. */
  readonly id: number;
  /** The workspace folder's path: at most one review waits per folder. */
  readonly workspace: string;
  readonly folderName: string;
  readonly attempt: number;
  readonly signature: string;
  readonly patch: PatchSummary;
  /** The patched (right-hand) documents of the preview. */
  readonly uris: Uri[];
  readonly title: string;
}

interface Waiting extends PendingReview {
  resolve(decision: ReviewDecision): void;
  open(): Promise<void>;
}

/** What a notification's button did: decided its attempt, or found that attempt already over. */
export type DecideResult = 'decided' | 'over';

/**
 * The loop's `reviewPatch` hook in the editor (PRODUCT.md 20): the proposed patch opens in the diff
 * editor before it touches the disk, and the loop waits for Apply or Reject. Each folder has its own
 * waiting review; each notification decides only its own attempt; the diff editor's title actions and
 * the status-bar entry "Review patch (attempt N)" stay until the choice is made. Closing the preview
 * decides nothing.
 */
export class DiffPreview implements Disposable {
  private readonly pending = new Map<string, Waiting>();
  private counter = 0;
  private readonly item: StatusBarItem;
  /** The files of the last preview, for tests and the "show patch" command. */
  lastPreview: { files: PreviewFile[]; uris: Array<{ left: Uri; right: Uri }> } | undefined;

  constructor(
    private readonly vscode: VSCode,
    private readonly docs: GeneratedDocuments,
    /** Shows what a stale notification's button did (nothing), so the person is not left guessing. */
    private readonly inform: (message: string) => void = (m) => void vscode.window.showInformationMessage(m),
  ) {
    this.item = vscode.window.createStatusBarItem('smokesFixer.review', vscode.StatusBarAlignment.Left, 49);
    this.item.name = 'Smokes Fixer: patch review';
    this.item.command = REVIEW_COMMAND;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  get isPending(): boolean {
    return this.pending.size > 0;
  }

  /** The reviews waiting now, one per folder at most. */
  get waiting(): PendingReview[] {
    return [...this.pending.values()];
  }

  pendingFor(workspace: string): PendingReview | undefined {
    return this.pending.get(workspace);
  }

  /** The waiting review a command argument points at: a preview document, a folder path, or the only one. */
  find(target?: Uri | string): PendingReview | undefined {
    if (typeof target === 'string') return this.pending.get(target);
    if (target) {
      const key = target.toString();
      for (const p of this.pending.values()) if (p.uris.some((u) => u.toString() === key)) return p;
      for (const p of this.pending.values()) if (target.fsPath === p.workspace || target.fsPath.startsWith(`${p.workspace}/`)) return p;
    }
    return this.pending.size === 1 ? [...this.pending.values()][0] : undefined;
  }

  /** Settles one review, by its id; 'over' when that review is no longer waiting (decided, cancelled, ended). */
  decideReview(id: number, decision: ReviewDecision): DecideResult {
    for (const p of this.pending.values()) {
      if (p.id === id) {
        p.resolve(decision);
        return 'decided';
      }
    }
    return 'over';
  }

  /** Settles the review `target` points at (editor title, palette); false when none or it is ambiguous. */
  decide(decision: ReviewDecision, target?: Uri | string): boolean {
    const p = this.find(target);
    if (!p) return false;
    return this.decideReview(p.id, decision) === 'decided';
  }

  /** Opens a waiting review's diff again and asks again (the status-bar entry, the palette). */
  async reopen(target?: Uri | string): Promise<boolean> {
    const p = this.find(target);
    if (!p) return false;
    await (p as Waiting).open();
    return true;
  }

  async review(
    p: { patch: PatchSummary; signature: string; attempt: number; workspace: string; folderName?: string },
    signal: AbortSignal,
  ): Promise<ReviewDecision> {
    const vscode = this.vscode;
    const id = ++this.counter;
    const files = await previewPatch(p.patch.diff, (path) => readFile(join(p.workspace, path), 'utf8').catch(() => null));
    // The patched text lives at the file's own path (told apart by the review's id), so the diff editors
    // name the file as it is; only a real rename shows as one.
    const uris = files.map((f) => ({
      left: f.status === 'created' ? this.docs.set(join(p.workspace, f.path), '', `empty=${id}`) : vscode.Uri.file(join(p.workspace, f.oldPath ?? f.path)),
      right: this.docs.set(join(p.workspace, f.path), f.after ?? `The patch does not apply cleanly to ${f.path} as it is on disk.\n\n${p.patch.diff}`, `patched=${id}`),
    }));
    this.lastPreview = { files, uris };
    const folderName = p.folderName ?? basename(p.workspace);
    // In a multi-root window the folder is in the title: the multi-file diff's tab is found by it.
    const multiRoot = (vscode.workspace?.workspaceFolders?.length ?? 0) > 1;
    const title = `Smokes Fixer: attempt ${p.attempt} patch${multiRoot ? ` (${folderName})` : ''}`;

    const openDiff = async () => {
      if (uris.length === 1) {
        await vscode.commands.executeCommand('vscode.diff', uris[0].left, uris[0].right, `${files[0].path} (${title})`, { preview: false });
      } else if (uris.length > 1) {
        await vscode.commands.executeCommand(
          'vscode.changes',
          title,
          uris.map((u, i) => [vscode.Uri.file(join(p.workspace, files[i].path)), u.left, u.right]),
        );
      }
    };
    const ask = () => {
      // The buttons carry this review's id: pressed after the attempt is over, they decide nothing and say so.
      void vscode.window
        .showInformationMessage(
          `Apply the proposed patch (attempt ${p.attempt}, ${p.patch.fileCount} file(s), ${p.patch.changedLines} line(s)) to ${folderName}? Reject spends the attempt.`,
          'Apply',
          'Reject',
        )
        .then((choice) => {
          if (choice !== 'Apply' && choice !== 'Reject') return;
          const decision = choice === 'Apply' ? 'apply' : 'reject';
          if (this.decideReview(id, decision) === 'over') {
            this.inform(`Attempt ${p.attempt}'s review on ${folderName} is already over: this ${choice} did nothing.`);
          }
        });
    };

    let resolveDecision!: (d: ReviewDecision) => void;
    const decision = new Promise<ReviewDecision>((resolve) => (resolveDecision = resolve));
    const waiting: Waiting = {
      id,
      workspace: p.workspace,
      folderName,
      attempt: p.attempt,
      signature: p.signature,
      patch: p.patch,
      uris: uris.map((u) => u.right),
      title,
      resolve: (d) => {
        // Settled once: the first decision wins and the review leaves the waiting list at once.
        if (this.pending.get(p.workspace)?.id === id) this.pending.delete(p.workspace);
        resolveDecision(d);
      },
      open: async () => {
        await openDiff();
        ask();
      },
    };
    // A folder runs one loop at a time, so a review still waiting here belongs to a run that is over.
    this.pending.get(p.workspace)?.resolve('reject');
    this.pending.set(p.workspace, waiting);
    const onAbort = () => this.decideReview(id, 'reject');
    signal.addEventListener('abort', onAbort, { once: true });
    await this.changed();
    try {
      await waiting.open();
      return await decision;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (this.pending.get(p.workspace)?.id === id) this.pending.delete(p.workspace);
      await this.changed();
      await this.closeTabs(uris.map((u) => u.right.toString()), uris.length > 1 ? title : undefined);
    }
  }

  /** The context key for the editor title actions and the status-bar entry follow the waiting reviews. */
  private async changed(): Promise<void> {
    const all = this.waiting;
    if (all.length === 0) {
      this.item.hide();
    } else {
      this.item.text = all.length === 1 ? `$(diff) Review patch (attempt ${all[0].attempt})` : `$(diff) Review ${all.length} patches`;
      this.item.tooltip = ['Smokes Fixer: a proposed patch waits for Apply or Reject.', ...all.map((p) => `${p.folderName}: attempt ${p.attempt} (${p.patch.fileCount} file(s), ${p.patch.changedLines} line(s))`), 'Click to open the diff and decide.'].join('\n');
      this.item.show();
    }
    await this.vscode.commands.executeCommand('setContext', REVIEW_CONTEXT_KEY, all.length > 0);
  }

  /** The status-bar entry's text while a review waits (empty when none). */
  get statusText(): string {
    return this.isPending ? this.item.text : '';
  }

  private async closeTabs(rights: string[], title?: string): Promise<void> {
    const vscode = this.vscode;
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((tab) => {
        const input = tab.input;
        if (input instanceof vscode.TabInputTextDiff) return rights.includes(input.modified.toString());
        // The multi-file diff has no public tab input type: it is known by its title, to which VS Code
        // adds the file count ("… patch (2 files)").
        return title !== undefined && (tab.label === title || tab.label.startsWith(`${title} (`));
      });
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs).then(undefined, () => undefined);
  }

  dispose(): void {
    for (const p of [...this.pending.values()]) p.resolve('reject');
    this.item.dispose();
  }
}
