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
    // A quick input still closing from the step before is visible at the check and gone at the fill:
    // open it again then, rather than wait for a widget that is not coming back.
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await input.isVisible())) {
          // Focus the workbench first so the key goes to VS Code, not to the page's body.
          await this.page.locator('.monaco-workbench').focus().catch(() => {});
          await this.page.keyboard.press('F1');
          await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 10_000 : this.timeoutMs });
        }
        await input.fill(prefix, { timeout: attempt < 3 ? 5_000 : this.timeoutMs });
        return input;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
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

  /**
   * Runs a command the way a person does: F1, types the title, Enter once the palette's highlighted row
   * is that command.
   */
  async runCommandFromKeyboard(title: string, timeoutMs = this.timeoutMs): Promise<void> {
    const input = await this.openPalette('>');
    await input.press('End');
    await input.pressSequentially(title, { delay: 10 });
    const focused = this.page
      .locator(`${PALETTE_ROW}.focused`)
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) });
    try {
      await focused.first().waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const listed = await this.paletteCommands(title);
      await this.closePalette();
      throw new Error(`typing "${title}" in the palette did not highlight that command (listed: ${listed.join(' | ') || 'nothing'})`);
    }
    await input.press('Enter');
    await this.page.locator(PALETTE_INPUT).waitFor({ state: 'hidden', timeout: timeoutMs }).catch(() => {});
  }

  /** An editor tab whose label contains `text`. */
  editorTab(text: string | RegExp): Locator {
    return this.page.locator('.part.editor .tabs-container .tab').filter({ hasText: text });
  }

  /** An action button in the active editor's title bar whose label contains `label`. */
  editorTitleAction(label: string): Locator {
    return this.page.locator(`.part.editor .editor-actions .action-label[aria-label*="${label.replace(/"/g, '\\"')}"]`);
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

  /**
   * Waits for a notification containing `text`; one whose toast hid itself before it was seen (a toast
   * goes after a while) is looked for in the notification centre, which keeps it.
   */
  async waitForNotificationKept(text: string | RegExp, timeoutMs = this.timeoutMs): Promise<void> {
    try {
      await this.waitForNotification(text, timeoutMs);
    } catch (err) {
      await this.runCommand('Notifications: Show Notifications');
      await this.notification(text).first().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => {
        throw err;
      });
    }
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
      // Clicking an already open container closes it. The item, not its icon: a badge (a count of failed
      // tests) sits over the icon.
      if ((await item.getAttribute('aria-expanded')) !== 'true' && !(await item.evaluate((e) => e.classList.contains('checked')))) await item.click();
    } else {
      await this.runCommand(`View: Show ${title}`, timeoutMs);
    }
    const sidebar = this.page.locator('.part.sidebar');
    await sidebar.locator('.composite.title').filter({ hasText: new RegExp(escapeRegExp(title), 'i') }).waitFor({ state: 'visible', timeout: timeoutMs });
    return sidebar;
  }

  /** Drags the side bar's edge so it is `width` pixels wide (long tree labels then show whole). */
  async resizeSideBar(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box) throw new Error('the side bar is not shown');
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 8 });
    await this.page.mouse.up();
    // Off the sash, so it is not drawn highlighted in screenshots.
    await this.page.mouse.move(box.x + width / 2, box.y + 10);
  }

  /** Opens a workspace file the way a person does: Ctrl+P (Go to File), its name, Enter. Returns its editor. */
  async openFile(name: string, timeoutMs = this.timeoutMs): Promise<Locator> {
    const input = await this.openPalette('');
    await input.pressSequentially(name, { delay: 10 });
    const row = this.page.locator(`${PALETTE_ROW}.focused`).filter({ hasText: name }).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await input.press('Enter');
    await this.editorTab(name).first().waitFor({ state: 'visible', timeout: timeoutMs });
    return this.page.locator('.part.editor .editor-instance .monaco-editor').first();
  }

  /** Expands a collapsed tree row (its twistie), as a click on the arrow does. */
  async expandRow(row: Locator, timeoutMs = this.timeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // A tree that refreshes (new results) may redraw the row under the click: look again until it is open.
    while ((await row.getAttribute('aria-expanded')) !== 'true') {
      if (Date.now() > deadline) throw new Error(`the row "${(await row.innerText()).trim()}" does not expand`);
      if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
      await this.page.waitForTimeout(250);
    }
  }

  /**
   * Trusts the open folder as a person does: "Workspaces: Manage Workspace Trust", then the Workspace Trust
   * editor's Trust button. Returns false when the folder was already trusted (no Restricted Mode item).
   */
  async trustWorkspace(timeoutMs = this.timeoutMs): Promise<boolean> {
    // The Restricted Mode item is drawn a little after the status bar itself.
    const restricted = this.statusBarItem('Restricted Mode').first();
    if (!(await restricted.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false))) return false;
    await this.runCommand('Workspaces: Manage Workspace Trust', timeoutMs);
    const editor = this.page.locator('.workspace-trust-editor');
    await editor.waitFor({ state: 'visible', timeout: timeoutMs });
    const trust = editor.locator('.monaco-button').filter({ hasText: /^Trust( Folder)?$/ }).first();
    try {
      await trust.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      throw new Error(`no Trust button in the Workspace Trust editor (buttons: ${(await editor.locator('.monaco-button').allInnerTexts()).join(' | ')})`);
    }
    await trust.click();
    await this.statusBarItem('Restricted Mode').first().waitFor({ state: 'hidden', timeout: timeoutMs });
    return true;
  }

  /** A status-bar item whose text or label contains `text`. */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.statusbar .statusbar-item').filter({ hasText: text });
  }

  /** The panel (terminal, output, …), opened and shown on the terminal named `name`. */
  async showTerminal(name: string, timeoutMs = this.timeoutMs): Promise<Locator> {
    const panel = this.page.locator('.part.panel');
    const tab = panel.locator('.terminal-tabs-entry, .single-terminal-tab').filter({ hasText: name }).first();
    if (!(await tab.isVisible())) await this.runCommand('Terminal: Focus Terminal', timeoutMs);
    await tab.waitFor({ state: 'visible', timeout: timeoutMs });
    if ((await panel.locator('.single-terminal-tab').count()) === 0) await tab.click();
    return panel;
  }

  /**
   * Saves `<screenshotDir>/<name>.png` and returns its path: the whole window, only `clip` (a part of the
   * workbench such as the status bar), or only `area` (page pixels).
   */
  async screenshot(name: string, options: { clip?: Locator; area?: { x: number; y: number; width: number; height: number } } = {}): Promise<string> {
    fs.mkdirSync(this.options.screenshotDir, { recursive: true });
    const file = path.join(this.options.screenshotDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    if (options.clip) await options.clip.screenshot({ path: file });
    else await this.page.screenshot({ path: file, clip: options.area });
    return file;
  }
}
