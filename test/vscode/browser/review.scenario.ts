// A new user's path through the Test Explorer and the review (PRODUCT.md 19, 20): "Run All Tests" only
// runs the tests; "Fix with Smokes Fixer" sits in a failed test's context menu; with a producer whose
// patches fix nothing, attempt 1's notification, clicked after attempt 1 was rejected, applies nothing
// and says so; a closed preview still waits and reopens from the status bar; the HTML report opens in a
// webview panel inside the editor. Self-contained: it puts the bug and the settings back itself.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario } from './scenario';
import type { Workbench } from './workbench';

const TEST_FILE = 'tests/smoke/test_calc_smoke.py';
const BUGGY = '"""Tiny arithmetic helpers the smoke tests guard."""\n\n\ndef add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n';
/** A loop step on a busy 2-core machine: a pytest run and the producer. */
const STEP_TIMEOUT_MS = 3 * 60_000;

async function textOf(wb: Workbench, selector: string): Promise<string> {
  const texts = await wb.page.locator(selector).allInnerTexts().catch(() => []);
  return texts.join(' | ').replace(/\s+/g, ' ').trim().slice(0, 1500);
}

/** Clicks `button` on the notification matching `text`, looking in the notification centre when its toast has gone. */
async function clickInNotification(wb: Workbench, text: RegExp, button: RegExp): Promise<void> {
  let n = wb.notification(text).first();
  if (!(await n.isVisible())) {
    await wb.runCommand('Notifications: Show Notifications');
    n = wb.page.locator('.notifications-center .notification-list-item').filter({ hasText: text }).first();
    await n.waitFor({ state: 'visible', timeout: wb.timeoutMs });
  }
  // A notification's buttons show on hover or focus in the centre.
  await n.hover();
  const b = n.locator('.monaco-button').filter({ hasText: button }).first();
  await b.waitFor({ state: 'visible', timeout: wb.timeoutMs });
  await b.click();
}

export default [
  scenario(
    'Run All Tests only runs tests; Fix from the context menu; a stale Apply applies nothing; the report opens in the editor',
    async (wb, ctx) => {
      const ws = ctx.workspace;
      const calcPath = join(ws, 'calc.py');
      const settingsPath = join(ws, '.vscode', 'settings.json');
      const originalSettings = readFileSync(settingsPath, 'utf8');
      writeFileSync(calcPath, BUGGY);
      rmSync(join(ws, 'artifacts'), { recursive: true, force: true });
      writeFileSync(settingsPath, JSON.stringify({ ...JSON.parse(originalSettings), 'smokesFixer.producerCommand': 'python3 tools/propose.py wrong', 'smokesFixer.autoApply': false }, null, 2));
      try {
        await wb.runCommand('Notifications: Clear All Notifications');
        // 1. "Run All Tests": pytest runs, the explorer shows the failure; no producer, no preview, no files.
        await wb.runCommand('Test: Run All Tests');
        const sidebar = await wb.openViewContainer('Testing');
        const rows = sidebar.locator('.monaco-list-row');
        const fileRow = rows.filter({ hasText: TEST_FILE }).first();
        await fileRow.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
        await wb.expandRow(fileRow);
        const addRow = rows.filter({ hasText: 'test_smoke_add' }).first();
        // After earlier runs the tree may keep the file row open while its children are not drawn yet:
        // close and reopen it once, as a person would.
        if (!(await addRow.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false))) {
          await fileRow.locator('.monaco-tl-twistie').click();
          await wb.page.waitForTimeout(500);
          await wb.expandRow(fileRow);
        }
        try {
          await addRow.locator('.codicon-testing-failed-icon').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
          await rows.filter({ hasText: 'test_smoke_mul' }).first().locator('.codicon-testing-passed-icon').waitFor({ state: 'visible', timeout: wb.timeoutMs });
        } catch {
          throw new Error(`the Test Explorer does not show add failed and mul passed (view: ${await textOf(wb, '.part.sidebar')})`);
        }
        assert.equal(await wb.notification(/Apply the proposed patch/).count(), 0, 'Run All Tests proposed no patch');
        assert.equal(readFileSync(calcPath, 'utf8'), BUGGY, 'Run All Tests changed nothing');
        assert.ok(!existsSync(join(ws, 'artifacts')), 'Run All Tests wrote no artifacts');
        await wb.screenshot('test-explorer-run-tests');

        // 2. The failed test's context menu offers the repair.
        await addRow.click({ button: 'right' });
        const menu = wb.page.locator('.context-view .monaco-menu');
        await menu.waitFor({ state: 'visible', timeout: wb.timeoutMs });
        const entries = (await menu.locator('.action-label').allInnerTexts()).map((e) => e.trim()).filter(Boolean);
        assert.ok(entries.includes('Fix with Smokes Fixer'), `the failed test's context menu offers "Fix with Smokes Fixer" (has: ${entries.join(', ')})`);
        await wb.screenshot('test-context-menu');
        await menu.locator('.action-label').filter({ hasText: /^Fix with Smokes Fixer$/ }).first().click();
        ctx.log('started "Fix with Smokes Fixer" from the test\'s context menu');

        // 3. Attempt 1 waits; the status bar says so; Reject it in the diff editor's title.
        await wb.waitForNotification(/Apply the proposed patch \(attempt 1,/, STEP_TIMEOUT_MS);
        await wb.statusBarItem('Review patch (attempt 1)').first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
        await wb.editorTab(/calc\.py.*attempt 1 patch/).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
        await wb.editorTitleAction('Reject Proposed Patch').first().click();
        ctx.log('rejected attempt 1 in the editor title');
        await wb.editorTab(/calc\.py.*attempt 2 patch/).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
        await wb.statusBarItem('Review patch (attempt 2)').first().waitFor({ state: 'visible', timeout: wb.timeoutMs });

        // 4. Attempt 1's notification, clicked now: nothing is applied, and it says so.
        const before = readFileSync(calcPath, 'utf8');
        await clickInNotification(wb, /Apply the proposed patch \(attempt 1,/, /^Apply$/);
        ctx.log('clicked Apply on attempt 1\'s notification while attempt 2 waits');
        await wb.waitForNotification(/Attempt 1's review on .* is already over: this Apply did nothing/, wb.timeoutMs);
        await wb.page.waitForTimeout(1500);
        assert.equal(readFileSync(calcPath, 'utf8'), before, 'the stale Apply wrote nothing');
        assert.equal(readFileSync(calcPath, 'utf8'), BUGGY);
        await wb.statusBarItem('Review patch (attempt 2)').first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
        await wb.screenshot('stale-apply');

        // 5. Closing the preview decides nothing; the status-bar entry opens it again.
        await wb.runCommand('View: Close All Editors');
        await wb.page.waitForTimeout(1000);
        await wb.statusBarItem('Review patch (attempt 2)').first().click();
        await wb.editorTab(/calc\.py.*attempt 2 patch/).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
        await clickInNotification(wb, /Apply the proposed patch \(attempt 2,/, /^Reject$/);
        await wb.editorTab(/calc\.py.*attempt 3 patch/).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
        await wb.editorTitleAction('Reject Proposed Patch').first().click();
        await wb.waitForNotification(/Smokes Fixer escalated/, STEP_TIMEOUT_MS);
        assert.equal(readFileSync(calcPath, 'utf8'), BUGGY, 'three rejected patches left calc.py as it was');
        assert.equal(await wb.statusBarItem('Review patch').count(), 0, 'nothing waits for review any more');

        // 6. The HTML report opens inside the editor and shows the run.
        await wb.runCommand('Notifications: Clear All Notifications');
        await wb.runCommand('Smokes Fixer: Open Report');
        await wb.editorTab(/Smoke Report/).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
        const report = wb.page.frameLocator('iframe.webview').first().frameLocator('#active-frame');
        try {
          await report.locator('body').filter({ hasText: 'test_smoke_add' }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
        } catch {
          throw new Error('the report panel does not show the report (no "test_smoke_add" in the webview)');
        }
        const shown = (await report.locator('body').innerText()).replace(/\s+/g, ' ');
        ctx.log(`report panel: ${shown.slice(0, 160)}`);
        assert.match(shown, /failed/i);
        await wb.screenshot('report-webview');
      } finally {
        writeFileSync(settingsPath, originalSettings);
        writeFileSync(calcPath, BUGGY);
      }
    },
    { timeoutMs: 15 * 60_000 },
  ),
];
