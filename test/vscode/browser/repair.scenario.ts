// What a person does with Smokes Fixer on the fixture workspace (a real bug in calc.add, the command
// producer that prints the fix, the diff preview on): runs it from the command palette, reviews the
// patch in the diff editor, clicks Apply, and reads the outcome in the repair view, the Test Explorer,
// the status bar and the terminal. The scenarios run in order in one window; each builds on the last.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario } from './scenario';
import type { Workbench } from './workbench';

const RUN = 'Smokes Fixer: Run Smokes Fixer';
const TEST_FILE = 'tests/smoke/test_calc_smoke.py';
/** The whole loop on a busy 2-core machine: baseline pytest, the producer, verification, final run. */
const RUN_TIMEOUT_MS = 4 * 60_000;
const FIX_LINE = 'return a + b';
const BUG_LINE = 'return a - b';

function calc(workspace: string): string {
  return readFileSync(join(workspace, 'calc.py'), 'utf8');
}

/** Visible text of a part of the workbench, whitespace folded, for assertion messages. */
async function textOf(wb: Workbench, selector: string): Promise<string> {
  const texts = await wb.page.locator(selector).allInnerTexts().catch(() => []);
  return texts.join(' | ').replace(/\s+/g, ' ').trim().slice(0, 1500);
}

export default [
  scenario('the command palette lists Smokes Fixer', async (wb) => {
    await wb.screenshot('workbench');
    assert.ok(await wb.hasCommand(RUN), `the palette should list "${RUN}"`);
    assert.ok(await wb.hasCommand('Smokes Fixer: Restart and Probe exec-rpc'), 'the palette should list the restart + probe command');
  }),

  scenario(
    'run from the palette, review the patch in the diff editor, click Apply, the run succeeds',
    async (wb, ctx) => {
      assert.ok(calc(ctx.workspace).includes(BUG_LINE), 'the fixture starts with the bug');
      await wb.runCommandFromKeyboard(RUN);
      ctx.log('started the run from F1; waiting for the proposed patch');

      // The diff editor opens on calc.py with the patched text on the right, before anything is written.
      const tab = wb.editorTab(/calc\.py.*attempt 1 patch/);
      await tab.first().waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
      const diff = wb.page.locator('.part.editor .monaco-diff-editor').first();
      await diff.waitFor({ state: 'visible', timeout: wb.timeoutMs });
      const modified = diff.locator('.editor.modified .view-lines');
      const original = diff.locator('.editor.original .view-lines');
      await modified.filter({ hasText: FIX_LINE }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
      await original.filter({ hasText: BUG_LINE }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
      const notice = await wb.waitForNotification(/Apply the proposed patch/, wb.timeoutMs);
      assert.match((await notice.innerText()).replace(/\s+/g, ' '), /attempt 1, 1 file\(s\)/);
      assert.ok(calc(ctx.workspace).includes(BUG_LINE), 'nothing is written before Apply');
      // Apply: the notification's button, or the editor title's action when the toast has gone.
      const button = notice.locator('.monaco-button').filter({ hasText: /^Apply$/ }).first();
      await button.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => {});
      // Toasts slide in: let them settle so the screenshot shows the buttons.
      await wb.page
        .locator('.notifications-toasts .notification-toast:not(.notification-fade-in-done)')
        .first()
        .waitFor({ state: 'detached', timeout: 5_000 })
        .catch(() => {});
      await wb.screenshot('diff-preview');
      if (await button.isVisible()) {
        await button.click();
        ctx.log('clicked Apply in the notification');
      } else {
        await wb.editorTitleAction('Apply Proposed Patch').first().click();
        ctx.log('clicked Apply Proposed Patch in the editor title');
      }
      await tab.first().waitFor({ state: 'hidden', timeout: wb.timeoutMs });

      await wb.waitForNotificationKept(/all selected smoke tests pass/, RUN_TIMEOUT_MS);
      await wb.screenshot('run-succeeded');
      assert.ok(calc(ctx.workspace).includes(FIX_LINE), 'the fix is in calc.py on disk');
      assert.ok(!calc(ctx.workspace).includes(BUG_LINE), 'the bug is gone from calc.py');
      const summary = JSON.parse(readFileSync(join(ctx.workspace, 'artifacts/summary.json'), 'utf8'));
      ctx.log(`artifacts/summary.json: ${JSON.stringify(summary).slice(0, 200)}`);
    },
    { timeoutMs: 8 * 60_000 },
  ),

  scenario('the Repairs view shows the signature fixed on attempt 1/3', async (wb) => {
    await wb.runCommand('Notifications: Clear All Notifications');
    const sidebar = await wb.openViewContainer('Smokes Fixer');
    const rows = sidebar.locator('.monaco-list-row');
    const signature = rows.filter({ hasText: 'test_smoke_add' }).filter({ hasText: /1\/3 · fixed/ }).first();
    try {
      await signature.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    } catch {
      throw new Error(`no "test_smoke_add … 1/3 · fixed" row in the Repairs view (shows: ${await textOf(wb, '.part.sidebar')})`);
    }
    // Beneath it the attempt with the kept verdict; opened, its command, patch and verdict.
    // Its context menu offers the signature's actions; a fixed signature cannot be excluded.
    await signature.click({ button: 'right' });
    const menu = wb.page.locator('.context-view .monaco-menu');
    await menu.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    const entries = await menu.locator('.action-label').allInnerTexts();
    await wb.page.keyboard.press('Escape');
    for (const wanted of ['Open Failing Line', 'Re-run This Test', 'Copy Repro Command']) {
      assert.ok(entries.some((e) => e.includes(wanted)), `the signature's context menu should offer "${wanted}" (has: ${entries.join(', ')})`);
    }
    assert.ok(!entries.some((e) => e.includes('Exclude This Signature')), `a fixed signature should not offer "Exclude This Signature" (has: ${entries.join(', ')})`);
    const attempt = rows.filter({ hasText: 'Attempt 1' }).filter({ hasText: 'kept' }).first();
    await attempt.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    await wb.expandRow(attempt);
    await rows.filter({ hasText: 'pytest' }).filter({ hasText: 'command' }).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
    await rows.filter({ hasText: '1 file(s), 2 line(s)' }).filter({ hasText: 'calc.py' }).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
    // And calc.py, opened from Go to File, reads as fixed.
    const editor = await wb.openFile('calc.py');
    await editor.locator('.view-lines').filter({ hasText: FIX_LINE }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
    await wb.resizeSideBar(560);
    await wb.screenshot('repair-tree');
  }),

  scenario('the Test Explorer shows both smoke tests passed', async (wb) => {
    const sidebar = await wb.openViewContainer('Testing');
    const rows = sidebar.locator('.monaco-list-row');
    const fileRow = rows.filter({ hasText: TEST_FILE }).first();
    await fileRow.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    await wb.expandRow(fileRow);
    for (const name of ['test_smoke_add', 'test_smoke_mul']) {
      const row = rows.filter({ hasText: name }).first();
      try {
        await row.waitFor({ state: 'visible', timeout: wb.timeoutMs });
        await row.locator('.codicon-testing-passed-icon').waitFor({ state: 'visible', timeout: wb.timeoutMs });
      } catch {
        const labels = await rows.evaluateAll((all) => all.map((r) => r.getAttribute('aria-label') ?? ''));
        throw new Error(`${name} is not shown as passed in the Test Explorer (rows: ${labels.join(' | ')}; view: ${await textOf(wb, '.part.sidebar')})`);
      }
    }
    // The file's row sums its tests up.
    await fileRow.locator('.codicon-testing-passed-icon').waitFor({ state: 'visible', timeout: wb.timeoutMs });
    await wb.screenshot('test-explorer');
  }),

  scenario('the status bar shows the exec-rpc freshness', async (wb, ctx) => {
    const item = wb.statusBarItem(/exec-rpc: (fresh|stale|down|not configured)/).first();
    await item.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    const text = (await item.innerText()).trim();
    ctx.log(`status bar: "${text}"`);
    assert.match(text, /exec-rpc: \w+/);
    await wb.screenshot('status-bar', { clip: wb.page.locator('.part.statusbar') });
    // Its hover names the service, the commit it runs and its uptime.
    await item.hover();
    const hover = wb.page.locator('.workbench-hover, .monaco-hover').filter({ hasText: ctx.metaUrl }).first();
    try {
      await hover.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    } catch {
      throw new Error(`hovering "${text}" shows no tooltip naming ${ctx.metaUrl} (shows: ${await textOf(wb, '.workbench-hover, .monaco-hover')})`);
    }
    const tip = (await hover.innerText()).replace(/\s+/g, ' ');
    assert.match(tip, /git_sha: \w+/);
    assert.match(tip, /Uptime: /);
    const size = wb.page.viewportSize() ?? { width: 1280, height: 800 };
    await wb.screenshot('status-bar-hover', { area: { x: 0, y: size.height - 260, width: 720, height: 260 } });
    await wb.page.mouse.move(size.width / 2, size.height / 3);
  }),

  scenario('the Smokes Fixer terminal shows the plan and the outcome', async (wb) => {
    const panel = await wb.showTerminal('Smokes Fixer');
    const rows = panel.locator('.terminal-wrapper.active .xterm-rows, .xterm-rows').first();
    await rows.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    await rows.filter({ hasText: 'All selected smoke tests pass' }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
    // The plan is at the top of the run's output: scroll there, with the panel maximised to show it whole.
    await wb.runCommand('View: Toggle Maximized Panel');
    await wb.runCommand('Terminal: Scroll to Top');
    try {
      await rows.filter({ hasText: 'Plan' }).filter({ hasText: '•' }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
    } catch {
      throw new Error(`the terminal does not show the plan (shows: ${await textOf(wb, '.part.panel .xterm-rows')})`);
    }
    await wb.screenshot('terminal');
    await wb.runCommand('View: Toggle Maximized Panel');
  }),
];
