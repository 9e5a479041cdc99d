import type { ProducerCheck } from '../producers/preflight';
import type { AttemptRecord, InvestigationRecord, RepairModel, SignatureRecord } from './repairModel';
import type { Disposable, EventEmitter, TreeDataProvider, TreeItem, VSCode, WorkspaceFolder } from './vscodeTypes';

export const VIEW_ID = 'smokesFixer.repairs';

export type RepairNode =
  | { kind: 'folder'; folder: WorkspaceFolder }
  /** A set-up problem found by the prerequisites check or a run (a producer that cannot start). */
  | { kind: 'problem'; folder: WorkspaceFolder; check: ProducerCheck }
  | { kind: 'signature'; folder: WorkspaceFolder; record: SignatureRecord }
  | { kind: 'attempt'; folder: WorkspaceFolder; record: SignatureRecord; attempt: AttemptRecord }
  | { kind: 'detail'; folder: WorkspaceFolder; record: SignatureRecord; attempt: AttemptRecord; detail: 'command' | 'patch' | 'verdict' }
  | { kind: 'investigation'; folder: WorkspaceFolder; record: SignatureRecord; attempt: AttemptRecord; investigation: InvestigationRecord };

/** Text as Markdown shows it literally: `__index__` stays `__index__`, not a bold "index". */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

/** A signature's label, count and state first so a narrow side bar still shows them: "1/3 · fixed · test_add". */
export function signatureLabel(attempts: string, state: string, nodeid: string): string {
  return `${attempts} · ${state} · ${nodeid.split('::').slice(1).join('::') || nodeid}`;
}

/** The label of an investigation node: which helper, through which server or VS Code tool. */
export function investigationLabel(i: InvestigationRecord): string {
  return `Investigation (${i.helper}: ${i.server})`;
}

/** What an investigation node opens: the exact call sent and the answer, as one read-only JSON document. */
export function investigationDocument(i: InvestigationRecord): string {
  return `${JSON.stringify({ helper: i.helper, server: i.server, sent: i.payload, answer: i.answer, error: i.error }, null, 2)}\n`;
}

const STATE_ICON = { open: 'circle-large-outline', fixed: 'pass', exhausted: 'error', excluded: 'circle-slash' } as const;

/** The repair view: one node per failure signature, its attempts beneath, each attempt's command, patch and verdict. */
export class RepairTreeProvider implements TreeDataProvider<RepairNode>, Disposable {
  private readonly changed: EventEmitter<RepairNode | undefined>;
  readonly onDidChangeTreeData;
  private readonly models = new Map<string, { folder: WorkspaceFolder; model: RepairModel; sub: { dispose(): void } }>();
  private readonly problems = new Map<string, { folder: WorkspaceFolder; check: ProducerCheck }>();

  constructor(private readonly vscode: VSCode) {
    this.changed = new vscode.EventEmitter<RepairNode | undefined>();
    this.onDidChangeTreeData = this.changed.event;
  }

  setModel(folder: WorkspaceFolder, model: RepairModel): void {
    const key = folder.uri.toString();
    this.models.get(key)?.sub.dispose();
    this.models.set(key, { folder, model, sub: model.onDidChange(() => this.refresh()) });
    this.refresh();
  }

  /** Shows (or, with undefined, clears) a folder's set-up problem at the top of the view. */
  setProblem(folder: WorkspaceFolder, check: ProducerCheck | undefined): void {
    const key = folder.uri.toString();
    if (check) this.problems.set(key, { folder, check });
    else if (!this.problems.delete(key)) return;
    this.refresh();
  }

  problemFor(folder: WorkspaceFolder): ProducerCheck | undefined {
    return this.problems.get(folder.uri.toString())?.check;
  }

  modelFor(folder: WorkspaceFolder): RepairModel | undefined {
    return this.models.get(folder.uri.toString())?.model;
  }

  get isEmpty(): boolean {
    return this.problems.size === 0 && [...this.models.values()].every((m) => m.model.signatures.length === 0);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: RepairNode): RepairNode[] {
    if (!node) {
      const problems = [...this.problems.values()].map((p): RepairNode => ({ kind: 'problem', folder: p.folder, check: p.check }));
      const entries = [...this.models.values()].filter((m) => m.model.signatures.length > 0);
      if (entries.length === 1) return [...problems, ...this.signatureNodes(entries[0].folder, entries[0].model)];
      return [...problems, ...entries.map((e): RepairNode => ({ kind: 'folder', folder: e.folder }))];
    }
    switch (node.kind) {
      case 'folder': {
        const entry = this.models.get(node.folder.uri.toString());
        return entry ? this.signatureNodes(entry.folder, entry.model) : [];
      }
      case 'signature':
        return node.record.attempts.map((attempt) => ({ kind: 'attempt', folder: node.folder, record: node.record, attempt }));
      case 'attempt': {
        // In the order they happen: the run, the investigation (attempt 3), the patch, the verdict.
        const base = { folder: node.folder, record: node.record, attempt: node.attempt };
        const detail = (d: 'command' | 'patch' | 'verdict'): RepairNode => ({ ...base, kind: 'detail', detail: d });
        return [
          detail('command'),
          ...node.attempt.investigations.map((investigation): RepairNode => ({ ...base, kind: 'investigation', investigation })),
          ...(node.attempt.patch || node.attempt.diff ? [detail('patch')] : []),
          detail('verdict'),
        ];
      }
      case 'detail':
      case 'investigation':
      case 'problem':
        return [];
    }
  }

  private signatureNodes(folder: WorkspaceFolder, model: RepairModel): RepairNode[] {
    return model.signatures.map((record) => ({ kind: 'signature', folder, record }));
  }

  getTreeItem(node: RepairNode): TreeItem {
    const vscode = this.vscode;
    const { TreeItem, TreeItemCollapsibleState: Collapsible, ThemeIcon } = vscode;
    switch (node.kind) {
      case 'folder': {
        const item = new TreeItem(node.folder.name, Collapsible.Expanded);
        item.iconPath = ThemeIcon.Folder;
        item.contextValue = 'folder';
        return item;
      }
      case 'signature': {
        const r = node.record;
        const model = this.modelFor(node.folder);
        const count = model ? model.attemptLabel(r) : String(r.attempts.length);
        const item = new TreeItem(signatureLabel(count, r.state, r.nodeid), r.attempts.length > 0 ? Collapsible.Expanded : Collapsible.None);
        item.id = `${node.folder.uri.toString()}|${r.signature}`;
        item.description = r.nodeid.split('::')[0];
        // Test names and messages are the user's text: escaped, so `__index__` reads as written.
        item.tooltip = new vscode.MarkdownString(
          [
            `**${escapeMarkdown(r.nodeid)}**`,
            '',
            escapeMarkdown(`${r.exceptionType}: ${r.message}`),
            '',
            `Signature: ${escapeMarkdown(r.signature)}`,
            `Attempts: ${count}`,
            `State: ${r.state}`,
          ].join('\n\n'),
        );
        item.iconPath = new ThemeIcon(STATE_ICON[r.state]);
        item.contextValue = `signature.${r.state}`;
        if (r.location) item.command = { command: 'smokesFixer.openFailingLine', title: 'Open Failing Line', arguments: [node] };
        return item;
      }
      case 'problem': {
        const c = node.check;
        const item = new TreeItem(`Producer cannot start: ${c.producer}`, Collapsible.None);
        item.id = `${node.folder.uri.toString()}|problem`;
        item.description = c.detail;
        item.tooltip = `${c.detail}${c.setting ? ` Change smokesFixer.${c.setting} in the settings.` : ''}`;
        item.iconPath = new ThemeIcon('error');
        item.contextValue = 'problem';
        item.command = { command: 'smokesFixer.openSettings', title: 'Open Settings', arguments: [c.setting ?? 'producer', node.folder.uri] };
        return item;
      }
      case 'attempt': {
        const a = node.attempt;
        const item = new TreeItem(`Attempt ${a.attempt}`, Collapsible.Collapsed);
        item.id = `${node.folder.uri.toString()}|${node.record.signature}|${a.attempt}`;
        item.description = a.verdict ?? 'in progress';
        item.iconPath = new ThemeIcon(a.verdict === null ? 'loading~spin' : a.verdict === 'kept' ? 'check' : 'close');
        item.contextValue = a.patch || a.diff ? 'attempt.withPatch' : 'attempt';
        return item;
      }
      case 'detail': {
        const a = node.attempt;
        const item = new TreeItem('', Collapsible.None);
        if (node.detail === 'command') {
          item.label = a.command;
          item.description = 'command';
          item.iconPath = new ThemeIcon('terminal');
          item.contextValue = 'attemptCommand';
          item.command = { command: 'smokesFixer.showAttemptOutput', title: 'Show Pytest Output', arguments: [node] };
        } else if (node.detail === 'patch') {
          const p = a.patch;
          item.label = p ? `${p.fileCount} file(s), ${p.changedLines} line(s)` : 'patch';
          item.description = p ? p.files.map((f) => f.newPath ?? f.oldPath).join(', ') : 'patch';
          item.iconPath = new ThemeIcon('diff');
          item.contextValue = 'attemptPatch';
          item.command = { command: 'smokesFixer.showAttemptPatch', title: 'Show Patch', arguments: [node] };
        } else {
          item.label = a.verdict ?? 'waiting for the verdict';
          item.description = a.detail;
          item.tooltip = a.detail;
          item.iconPath = new ThemeIcon('law');
          item.contextValue = 'attemptVerdict';
        }
        return item;
      }
      case 'investigation': {
        const i = node.investigation;
        const item = new TreeItem(investigationLabel(i), Collapsible.None);
        item.id = `${node.folder.uri.toString()}|${node.record.signature}|${node.attempt.attempt}|investigation|${i.helper}|${i.server}`;
        item.description = i.pending ? 'sending…' : i.answer !== null ? 'answered' : (i.error ?? 'no answer');
        item.tooltip = i.error ?? (i.answer !== null ? 'Open to read the payload sent and the answer.' : 'Open to read the payload being sent.');
        item.iconPath = new ThemeIcon(i.pending ? 'loading~spin' : i.answer !== null ? 'search' : 'warning');
        item.contextValue = 'attemptInvestigation';
        item.command = { command: 'smokesFixer.showInvestigation', title: 'Show Investigation Payload', arguments: [node] };
        return item;
      }
    }
  }

  dispose(): void {
    for (const m of this.models.values()) m.sub.dispose();
    this.changed.dispose();
  }
}
