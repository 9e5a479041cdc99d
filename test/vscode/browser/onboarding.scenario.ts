// A new user's first minutes, before any run (file name sorts before repair.scenario.ts): the Repairs
// view's welcome buttons, the set-up walkthrough and its steps' buttons, then a run started from the
// Repairs view's title bar, its first patch rejected from the diff editor's title bar, and the run
// cancelled from its progress notification. Evidence: what the workbench shows and the files on disk.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario } from './scenario';
import type { Workbench } from './workbench';

const BUG_LINE = 'return a - b';
const RUN_TIMEOUT_MS = 4 * 60_000;

function calc(workspace: string): string {
  return readFileSync(join(workspace, 'calc.py'), 'utf8');
}

async function text(wb: Workbench, selector: string): Promise<string> {
  return (await wb.page.locator(selector).allInnerTexts().catch(() => [])).join(' | ').replace(/\s+/g, ' ').slice(0, 1200);
}

export default [
  scenario('the Repairs view welcome: Check Prerequisites and Select Patch Producer work, the walkthrough link opens it', async (wb) => {
    const sidebar = await wb.openViewContainer('Smokes Fixer');
    const welcome = sidebar.locator('.welcome-view-content').filter({ hasText: 'Smokes Fixer repairs failing pytest smoke tests' }).first();
    try {
      await welcome.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    } catch {
      throw new Error(`no welcome content in the Repairs view (shows: ${await text(wb, '.part.sidebar')})`);
    }
    for (const label of ['Run Smokes Fixer', 'Check Prerequisites', 'Select Patch Producer']) {
      await welcome.locator('.monaco-button').filter({ hasText: label }).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
    }
    await wb.screenshot('repairs-welcome');

    await welcome.locator('.monaco-button').filter({ hasText: 'Check Prerequisites' }).first().click();
    await wb.waitForNotification(/Smokes Fixer is (ready|not ready)/, 60_000);
    await wb.clearNotifications();

    await welcome.locator('.monaco-button').filter({ hasText: 'Select Patch Producer' }).first().click();
    const rows = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
    const labels = (await rows.allInnerTexts()).map((t) => t.split('\n')[0].trim());
    for (const p of ['vscode-lm', 'openai', 'command', 'manual']) assert.ok(labels.some((l) => l.startsWith(p)), `the producer pick lists ${p} (lists: ${labels.join(' | ')})`);
    await wb.page.keyboard.press('Escape');

    await welcome.locator('a').filter({ hasText: 'set-up walkthrough' }).first().click();
    const walkthrough = wb.page.locator('.part.editor .gettingStartedContainer');
    try {
      await walkthrough.getByText('Set up Smokes Fixer').first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
    } catch {
      throw new Error(`the walkthrough did not open (editor shows: ${await text(wb, '.part.editor')})`);
    }
    for (const step of ['Check the prerequisites', 'Pick the Python interpreter', 'Choose where patches come from', 'Run the loop']) {
      await walkthrough.getByText(step).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
    }
    // A step's button runs its command: "Check the prerequisites" → Check Prerequisites.
    await walkthrough.getByText('Check the prerequisites').first().click();
    await walkthrough.locator('.monaco-button, a').filter({ hasText: /^Check Prerequisites$/ }).first().click();
    await wb.waitForNotification(/Smokes Fixer is (ready|not ready)/, 60_000);
    await wb.screenshot('walkthrough');
    await wb.clearNotifications();
    await wb.runCommand('View: Close All Editors');
  }),

  scenario(
    'Run from the Repairs view title, Reject in the diff editor title, Cancel from the progress notification',
    async (wb, ctx) => {
      assert.ok(calc(ctx.workspace).includes(BUG_LINE), 'the fixture starts with the bug');
      try {
        await runRejectCancel(wb, ctx.workspace);
      } catch (err) {
        // Leave no run behind for the next scenarios (one loop per folder at a time).
        await wb.runCommand('Smokes Fixer: Cancel Run').catch(() => {});
        throw err;
      }
    },
    { timeoutMs: 8 * 60_000 },
  ),
];

/** Run from the Repairs view's title bar, reject attempt 1 in the diff editor's title bar, cancel from the progress notification. */
async function runRejectCancel(wb: Workbench, workspace: string): Promise<void> {
  await wb.openViewContainer('Smokes Fixer');
  const run = wb.page.locator('.part.sidebar .action-label[aria-label^="Run Smokes Fixer"]').first();
  await run.waitFor({ state: 'visible', timeout: wb.timeoutMs });
  await run.click();

  const first = wb.editorTab(/calc\.py.*attempt 1 patch/).first();
  await first.waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
  // The diff editor's title bar shows Reject while the review waits (its `when` clause).
  const action = '.part.editor .editor-actions .action-label[aria-label*="Reject Proposed Patch"]';
  await wb.page.locator(action).first().waitFor({ state: 'attached', timeout: wb.timeoutMs });
  const visible = wb.page.locator(`${action}:visible`).first();
  if (await visible.waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false)) await visible.click();
  // A title bar redrawn while toasts slide in may report the button as hidden: click it as the DOM has it.
  else await wb.page.locator(action).first().dispatchEvent('click');
  // The rejected attempt is spent: the next proposal opens as attempt 2; nothing was written.
  await wb.editorTab(/calc\.py.*attempt 2 patch/).first().waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
  assert.ok(calc(workspace).includes(BUG_LINE), 'a rejected patch is not written');

  const progress = wb.notification(/Smokes Fixer: /).filter({ has: wb.page.locator('.monaco-button', { hasText: /^Cancel$/ }) }).first();
  try {
    await progress.waitFor({ state: 'visible', timeout: wb.timeoutMs });
  } catch {
    await wb.runCommand('Notifications: Show Notifications');
    await progress.waitFor({ state: 'visible', timeout: wb.timeoutMs });
  }
  await wb.screenshot('run-progress');
  await progress.locator('.monaco-button').filter({ hasText: /^Cancel$/ }).first().click();
  // The progress notification goes once the run has ended.
  await progress.waitFor({ state: 'hidden', timeout: 60_000 });
  const bundle = join(workspace, 'artifacts/escalation.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(bundle) && Date.now() < deadline) await wb.page.waitForTimeout(300);
  assert.ok(existsSync(bundle), 'the cancelled run wrote its escalation bundle');
  // A bundle has no "cancelled" reason: the loop names the closest one, the time budget.
  assert.equal(JSON.parse(readFileSync(bundle, 'utf8')).reason, 'time budget');
  assert.ok(calc(workspace).includes(BUG_LINE), 'calc.py is as it was');
  await wb.runCommand('Notifications: Clear All Notifications');
  await wb.runCommand('View: Close All Editors');
}
