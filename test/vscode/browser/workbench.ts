// What a person does in the VS Code workbench, as Playwright steps: the command palette, notifications,
// view containers, the status bar, and named screenshots. Selectors are VS Code 1.100's workbench DOM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

export interface WorkbenchOptions {
  /** Folder for `screenshot(name)`. */
  screenshotDir: string;
  /** Default wait for things to appear. */
  timeoutMs?: number;
}

const PALETTE = '.quick-input-widget';
const PALETTE_INPUT = `${PALETTE} .quick-input-box input`;
const PALETTE_ROW = `${PALETTE} .quick-input-list .monaco-list-row`;
const NOTIFICATION = '.notifications-toasts .notification-list-item, .notifications-center .notification-list-item';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Workbench {
  readonly timeoutMs: number;

  constructor(
    readonly page: Page,
    readonly options: WorkbenchOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Waits until the workbench is drawn and the command palette answers (the extension host is up). */
  async ready(timeoutMs = 120_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.openPalette('>');
    await this.closePalette();
  }

  /** Opens the command palette (F1) with `prefix` typed ('>' for commands, '' for files). */
  async openPalette(prefix = '>'): Promise<Locator> {
    const input = this.page.locator(PALETTE_INPUT);
    if (!(await input.isVisible())) {
      // Focus the workbench first so the key goes to VS Code, not to the page's body.
      await this.page.locator('.monaco-workbench').focus().catch(() => {});
      await this.page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: this.timeoutMs });
    }
    await input.fill(prefix);
    return input;
  }

  async closePalette(): Promise<void> {
    const widget = this.page.locator(PALETTE);
    if (await widget.isVisible()) {
      await this.page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden', timeout: this.timeoutMs });
    }
  }

  /** The labels the command palette lists for `query` (as typed after '>'). */
  async paletteCommands(query: string): Promise<string[]> {
    const input = await this.openPalette(`>${query}`);
    await input.press('End');
    // The list filters asynchronously; give it a moment to settle on the query.
    await this.page.waitForTimeout(300);
    const labels = await this.page.locator(PALETTE_ROW).evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
    return labels.map((l) => l.trim());
  }

  /** The palette row for the command titled `title` ("Category: Title"), waiting until it is listed. */
  private async paletteRow(title: string, timeoutMs: number): Promise<Locator> {
    await this.openPalette(`>${title}`);
    // aria-label starts with the title; keybinding or "recently used" may follow.
    const row = this.page.locator(PALETTE_ROW).filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) });
    try {
      await row.first().waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const listed = await this.paletteCommands(title);
      await this.closePalette();
      throw new Error(`command "${title}" is not in the command palette (listed: ${listed.join(' | ') || 'nothing'})`);
    }
    return row.first();
  }

  /**
   * Waits until the palette lists `title`: extensions' contributions register a little after the workbench
   * is drawn, so a scenario's first look at the palette should come after this.
   */
  async waitForCommand(title: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.paletteRow(title, Math.min(5_000, Math.max(1, deadline - Date.now())));
        await this.closePalette();
        return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
      }
    }
  }

  /** Whether the command palette lists the command titled `title`. */
  async hasCommand(title: string, timeoutMs = this.timeoutMs): Promise<boolean> {
    try {
      await this.paletteRow(title, timeoutMs);
      await this.closePalette();
      return true;
    } catch {
      return false;
    }
  }

  /** Runs a command by its palette title, e.g. "Smokes Fixer: Run Smokes Fixer". */
  async runCommand(title: string, timeoutMs = this.timeoutMs): Promise<void> {
    const row = await this.paletteRow(title, timeoutMs);
    await row.click();
    await this.page.locator(PALETTE_INPUT).waitFor({ state: 'hidden', timeout: this.timeoutMs }).catch(() => {
      // Some commands open a quick pick of their own in the same widget; that is fine.
    });
  }

  /** A notification (toast or in the notification centre) whose text contains `text`. */
  notification(text: string | RegExp): Locator {
    return this.page.locator(NOTIFICATION).filter({ hasText: text });
  }

  /** Waits for a notification containing `text` and returns it. */
  async waitForNotification(text: string | RegExp, timeoutMs = this.timeoutMs): Promise<Locator> {
    const n = this.notification(text).first();
    try {
      await n.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const shown = await this.page.locator(NOTIFICATION).allInnerTexts();
      throw new Error(`no notification with ${String(text)} within ${timeoutMs} ms (shown: ${shown.map((s) => s.replace(/\s+/g, ' ')).join(' | ') || 'none'})`);
    }
    return n;
  }

  /** Clicks the button labelled `button` on the notification containing `text`. */
  async clickNotificationButton(text: string | RegExp, button: string | RegExp, timeoutMs = this.timeoutMs): Promise<void> {
    const n = await this.waitForNotification(text, timeoutMs);
    const b = n.locator('.monaco-button').filter({ hasText: button }).first();
    await b.waitFor({ state: 'visible', timeout: timeoutMs });
    await b.click();
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  /**
   * Opens a view container by its title, e.g. "Smokes Fixer": its activity-bar icon, or else the
   * palette's "View: Show <title>" command. Returns the side bar.
   */
  async openViewContainer(title: string, timeoutMs = this.timeoutMs): Promise<Locator> {
    const icon = this.page.locator(`.activitybar .action-item .action-label[aria-label^="${title.replace(/"/g, '\\"')}"]`).first();
    if (await icon.isVisible()) {
      const item = icon.locator('xpath=..');
      // Clicking an already open container closes it.
      if ((await item.getAttribute('aria-expanded')) !== 'true' && !(await item.evaluate((e) => e.classList.contains('checked')))) await icon.click();
    } else {
      await this.runCommand(`View: Show ${title}`, timeoutMs);
    }
    const sidebar = this.page.locator('.part.sidebar');
    await sidebar.locator('.composite.title').filter({ hasText: new RegExp(escapeRegExp(title), 'i') }).waitFor({ state: 'visible', timeout: timeoutMs });
    return sidebar;
  }

  /** A status-bar item whose text or label contains `text`. */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.statusbar .statusbar-item').filter({ hasText: text });
  }

  /** Saves `<screenshotDir>/<name>.png` (the whole window) and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(this.options.screenshotDir, { recursive: true });
    const file = path.join(this.options.screenshotDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
