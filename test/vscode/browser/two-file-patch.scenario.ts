// A patch that touches two files opens in VS Code's multi-file diff editor, one entry per file with the
// patched text on the right, before anything is written; Apply in the editor's title writes both files.
// Self-contained: it writes the second file (units.py) and the settings itself and puts everything back.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario } from './scenario';
import type { Workbench } from './workbench';

const BUGGY = '"""Tiny arithmetic helpers the smoke tests guard."""\n\n\ndef add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n';
const UNITS = '"""Display settings for the calculator."""\n\nROUNDING = 3\n';
/** The whole loop on a busy 2-core machine: baseline pytest, the producer, verification, final run. */
const RUN_TIMEOUT_MS = 4 * 60_000;

async function textOf(wb: Workbench, selector: string): Promise<string> {
  const texts = await wb.page.locator(selector).allInnerTexts().catch(() => []);
  return texts.join(' | ').replace(/\s+/g, ' ').trim().slice(0, 1500);
}

export default [
  scenario(
    'a two-file patch opens in the multi-file diff editor; Apply in its title writes both files',
    async (wb, ctx) => {
      const ws = ctx.workspace;
      const calcPath = join(ws, 'calc.py');
      const unitsPath = join(ws, 'units.py');
      const settingsPath = join(ws, '.vscode', 'settings.json');
      const originalCalc = readFileSync(calcPath, 'utf8');
      const originalSettings = readFileSync(settingsPath, 'utf8');
      writeFileSync(calcPath, BUGGY);
      writeFileSync(unitsPath, UNITS);
      writeFileSync(
        settingsPath,
        JSON.stringify({ ...JSON.parse(originalSettings), 'smokesFixer.producerCommand': 'python3 tools/propose.py two', 'smokesFixer.autoApply': false }, null, 2),
      );
      try {
        await wb.runCommand('Notifications: Clear All Notifications');
        await wb.runCommand('View: Close All Editors');
        await wb.runCommand('Smokes Fixer: Run Smokes Fixer');
        ctx.log('started the run; waiting for the two-file patch');

        // One multi-file diff editor, titled by the attempt, with an entry per file.
        const tab = wb.editorTab('Smokes Fixer: attempt 1 patch').first();
        await tab.waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
        const multi = wb.page.locator('.part.editor .monaco-component.multiDiffEditor').first();
        try {
          await multi.waitFor({ state: 'visible', timeout: wb.timeoutMs });
        } catch {
          throw new Error(`the patch is not shown in the multi-file diff editor (editor area: ${await textOf(wb, '.part.editor')})`);
        }
        const entry = (file: string) => multi.locator('.multiDiffEntry').filter({ has: wb.page.locator('.header .file-path', { hasText: file }) }).first();
        for (const [file, before, after] of [
          ['calc.py', 'return a - b', 'return a + b'],
          ['units.py', 'ROUNDING = 3', 'ROUNDING = 2'],
        ]) {
          try {
            await entry(file).waitFor({ state: 'visible', timeout: wb.timeoutMs });
            await entry(file).locator('.editor.original .view-lines').filter({ hasText: before }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
            await entry(file).locator('.editor.modified .view-lines').filter({ hasText: after }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
          } catch {
            throw new Error(`the multi-file diff has no entry for ${file} showing "${before}" → "${after}" (shows: ${await textOf(wb, '.part.editor .multiDiffEditor')})`);
          }
        }
        assert.equal(await multi.locator('.multiDiffEntry').count(), 2, 'one entry per file of the patch');
        // Each entry is the file itself changed in place, not a rename (VS Code marks renames "R").
        assert.equal(await multi.locator('.multiDiffEntry .header .status.renamed').count(), 0, `no entry is marked as a rename (headers: ${await textOf(wb, '.part.editor .multiDiffEntry .header')})`);
        const notice = await wb.waitForNotification(/Apply the proposed patch/, wb.timeoutMs);
        assert.match((await notice.innerText()).replace(/\s+/g, ' '), /attempt 1, 2 file\(s\)/);
        assert.equal(readFileSync(calcPath, 'utf8'), BUGGY, 'calc.py is untouched before Apply');
        assert.equal(readFileSync(unitsPath, 'utf8'), UNITS, 'units.py is untouched before Apply');
        await wb.page
          .locator('.notifications-toasts .notification-toast:not(.notification-fade-in-done)')
          .first()
          .waitFor({ state: 'detached', timeout: 5_000 })
          .catch(() => {});
        // Off the tab, so no hover covers the diff in the screenshot.
        await wb.page.mouse.move(800, 450);
        await wb.screenshot('multi-file-diff');

        await wb.editorTitleAction('Apply Proposed Patch').first().click();
        ctx.log('clicked Apply Proposed Patch in the multi-file diff editor\'s title');
        await tab.waitFor({ state: 'hidden', timeout: wb.timeoutMs });
        await wb.waitForNotificationKept(/all selected smoke tests pass/, RUN_TIMEOUT_MS);
        assert.equal(readFileSync(calcPath, 'utf8'), BUGGY.replace('return a - b', 'return a + b'), 'calc.py holds the fix on disk');
        assert.equal(readFileSync(unitsPath, 'utf8'), UNITS.replace('ROUNDING = 3', 'ROUNDING = 2'), 'units.py holds its change on disk');
      } finally {
        // A run left waiting (this scenario failed half-way) ends before the files are put back.
        await wb.runCommand('Smokes Fixer: Cancel Run').catch(() => {});
        writeFileSync(settingsPath, originalSettings);
        writeFileSync(calcPath, originalCalc);
        rmSync(unitsPath, { force: true });
        await wb.runCommand('Notifications: Clear All Notifications').catch(() => {});
      }
    },
    { timeoutMs: 10 * 60_000 },
  ),
];
