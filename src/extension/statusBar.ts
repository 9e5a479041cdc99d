import type { FreshnessStatus } from '../core/types';
import type { Settings } from '../core/settings';
import type { Engine } from './engine';
import { describeFreshness } from './statusText';
import type { Disposable, StatusBarItem, VSCode } from './vscodeTypes';

export const REFRESH_INTERVAL_MS = 30_000;

export interface FreshnessTarget {
  workspace: string;
  settings: Settings;
}

/**
 * The exec-rpc freshness indicator: probed on a timer and after every loop action (the loop's
 * `freshness` events), clicked to restart and probe.
 */
export class FreshnessStatusBar implements Disposable {
  private readonly item: StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  private probing: AbortController | undefined;
  private current: FreshnessStatus | null = null;
  private listeners = new Set<(s: FreshnessStatus | null) => void>();

  constructor(
    private readonly vscode: VSCode,
    private readonly engine: Engine,
    private readonly target: () => FreshnessTarget | undefined,
    intervalMs = REFRESH_INTERVAL_MS,
  ) {
    this.item = vscode.window.createStatusBarItem('smokesFixer.freshness', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Smokes Fixer: exec-rpc freshness';
    this.item.command = 'smokesFixer.restartAndProbe';
    this.render();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
  }

  get status(): FreshnessStatus | null {
    return this.current;
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

  /** A status from the loop (its `freshness` events) replaces the last probe. */
  update(status: FreshnessStatus): void {
    this.current = status;
    this.render();
  }

  async refresh(): Promise<FreshnessStatus | null> {
    const target = this.target();
    if (!target) {
      this.item.hide();
      return null;
    }
    this.probing?.abort();
    const controller = new AbortController();
    this.probing = controller;
    try {
      const { settings, workspace } = target;
      const explicitUrl = settings.metaUrl !== this.engine.defaultSettings.metaUrl;
      const configured = await this.engine.freshnessConfigured(workspace, explicitUrl);
      const status: FreshnessStatus = configured
        ? await this.engine.probeFreshness({ url: settings.metaUrl, timeoutMs: settings.freshnessTimeoutMs, workspace, lastPatchAt: null, signal: controller.signal })
        : {
            state: 'not-configured',
            reasons: ['No exec-rpc-restart/exec-rpc-probe targets in the Makefile and no meta URL configured.'],
            meta: null,
            rawMeta: null,
            headSha: null,
            url: settings.metaUrl,
            checkedAt: new Date().toISOString(),
          };
      // A newer probe superseded this one: its answer wins.
      if (controller.signal.aborted) return this.current;
      this.update(status);
      return status;
    } finally {
      if (this.probing === controller) this.probing = undefined;
    }
  }

  private render(): void {
    const view = describeFreshness(this.current);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.background ? new this.vscode.ThemeColor(view.background) : undefined;
    this.item.show();
    for (const l of [...this.listeners]) l(this.current);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.probing?.abort();
    this.item.dispose();
    this.listeners.clear();
  }
}
