import type { FreshnessStatus } from '../core/types';
import type { Settings } from '../core/settings';
import type { Engine } from './engine';
import { describeFreshness } from './statusText';
import type { Disposable, StatusBarItem, Uri, VSCode } from './vscodeTypes';

export const REFRESH_INTERVAL_MS = 30_000;

export interface FreshnessTarget {
  /** The folder's path: the key of its state. */
  workspace: string;
  name: string;
  uri: Uri;
  settings: Settings;
}

/**
 * The exec-rpc freshness indicator, per workspace folder: probed on a timer and after every loop action
 * (the loop's `freshness` events). It shows the folder of the active editor (else the first folder) and
 * lists every folder's state in its tooltip; clicked, it restarts and probes that folder's service.
 */
export class FreshnessStatusBar implements Disposable {
  private readonly item: StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  private probing: { controller: AbortController; done: Promise<FreshnessStatus | null> } | undefined;
  private readonly statuses = new Map<string, FreshnessStatus>();
  private listeners = new Set<(s: FreshnessStatus | null) => void>();
  private readonly editorSub: Disposable;

  constructor(
    private readonly vscode: VSCode,
    private readonly engine: Engine,
    /** Every folder with valid settings, in workspace order. */
    private readonly targets: () => FreshnessTarget[],
    private readonly intervalMs = REFRESH_INTERVAL_MS,
  ) {
    this.item = vscode.window.createStatusBarItem('smokesFixer.freshness', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Smokes Fixer: exec-rpc freshness';
    this.editorSub = vscode.window.onDidChangeActiveTextEditor(() => this.render());
  }

  /**
   * Shows the item and starts probing: called after activation (reading every folder's settings and
   * starting the probes is the costly part of showing it), and again on later calls it only refreshes.
   */
  start(): Promise<FreshnessStatus | null> {
    if (!this.timer) {
      this.render();
      this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.intervalMs);
    }
    return this.refresh();
  }

  /** The folder the item speaks for: the active editor's, else the first. */
  private active(all = this.targets()): FreshnessTarget | undefined {
    const uri = this.vscode.window.activeTextEditor?.document.uri;
    const folder = uri ? this.vscode.workspace.getWorkspaceFolder(uri) : undefined;
    return (folder && all.find((t) => t.workspace === folder.uri.fsPath)) ?? all[0];
  }

  /** The shown folder's status. */
  get status(): FreshnessStatus | null {
    const target = this.active();
    return (target && this.statuses.get(target.workspace)) ?? null;
  }

  statusOf(workspace: string): FreshnessStatus | null {
    return this.statuses.get(workspace) ?? null;
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  onDidChange(listener: (s: FreshnessStatus | null) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** A status from a folder's loop (its `freshness` events) replaces that folder's last probe. */
  update(status: FreshnessStatus, workspace?: string): void {
    const key = workspace ?? this.active()?.workspace;
    if (key) this.statuses.set(key, status);
    this.render();
  }

  /**
   * Probes every folder; resolves with the shown folder's status. A newer refresh (the timer, a settings
   * change, a command) supersedes one under way, whose caller then gets the newer one's answer.
   */
  refresh(): Promise<FreshnessStatus | null> {
    const all = this.targets();
    if (all.length === 0) {
      this.item.hide();
      return Promise.resolve(null);
    }
    this.probing?.controller.abort();
    const controller = new AbortController();
    const done = this.probeAll(all, controller);
    const mine = { controller, done };
    this.probing = mine;
    void done.finally(() => {
      if (this.probing === mine) this.probing = undefined;
    }).catch(() => undefined);
    return done;
  }

  private async probeAll(all: FreshnessTarget[], controller: AbortController): Promise<FreshnessStatus | null> {
    const superseded = () => this.probing && this.probing.controller !== controller ? this.probing.done : this.status;
    for (const target of all) {
      let status: FreshnessStatus;
      try {
        status = await this.probe(target, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) return superseded();
        throw error;
      }
      if (controller.signal.aborted) return superseded();
      this.statuses.set(target.workspace, status);
    }
    this.render();
    return this.status;
  }

  private async probe(target: FreshnessTarget, signal: AbortSignal): Promise<FreshnessStatus> {
    const { settings, workspace } = target;
    if (await this.engine.isFreshnessConfigured(workspace, settings)) {
      return this.engine.probeFreshness({ url: settings.metaUrl, timeoutMs: settings.freshnessTimeoutMs, workspace, lastPatchAt: null, signal });
    }
    return {
      state: 'not-configured',
      reasons: ['No exec-rpc-restart/exec-rpc-probe targets in the Makefile and no meta URL configured.'],
      meta: null,
      rawMeta: null,
      headSha: null,
      url: settings.metaUrl,
      checkedAt: new Date().toISOString(),
    };
  }

  private render(): void {
    const all = this.targets();
    const target = this.active(all);
    const current = (target && this.statuses.get(target.workspace)) ?? null;
    const view = describeFreshness(current);
    const multi = all.length > 1 && target;
    this.item.text = multi ? `${view.text} · ${target.name}` : view.text;
    const others = multi ? all.filter((t) => t !== target).map((t) => `• ${t.name}: ${this.statuses.get(t.workspace)?.state ?? 'checking'}`) : [];
    this.item.tooltip = multi ? [`${target.name}: ${view.tooltip}`, '', 'Other folders:', ...others].join('\n') : view.tooltip;
    this.item.backgroundColor = view.background ? new this.vscode.ThemeColor(view.background) : undefined;
    this.item.command = target ? { command: 'smokesFixer.restartAndProbe', title: 'Restart and Probe exec-rpc', arguments: [target.uri] } : undefined;
    this.item.show();
    for (const l of [...this.listeners]) l(current);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.probing?.controller.abort();
    this.editorSub.dispose();
    this.item.dispose();
    this.listeners.clear();
  }
}
