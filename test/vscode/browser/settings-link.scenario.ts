// A bad value in the workspace's settings (PRODUCT.md messages, issue "Open Settings opens the User tab"):
// the run stops with an error naming the setting, and its Open Settings button opens the Settings editor
// on the tab where the value is set (Workspace), filtered to that setting, which shows the bad value.
// Self-contained: it puts the workspace settings back.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario } from './scenario';

export default [
  scenario('a bad workspace setting: the run stops naming it, and Open Settings opens the Workspace tab filtered to it', async (wb, ctx) => {
    const settingsPath = join(ctx.workspace, '.vscode', 'settings.json');
    const original = readFileSync(settingsPath, 'utf8');
    writeFileSync(settingsPath, JSON.stringify({ ...JSON.parse(original), 'smokesFixer.maxLoops': 50 }, null, 2));
    try {
      await wb.runCommand('Notifications: Clear All Notifications');
      await wb.runCommand('View: Close All Editors');
      await wb.runCommand('Smokes Fixer: Run Smokes Fixer');
      const note = await wb.waitForNotification(/Smokes Fixer settings are not valid: .*smokesFixer\.maxLoops/);
      ctx.log(`notification: ${(await note.innerText()).replace(/\s+/g, ' ').slice(0, 200)}`);
      await wb.clickNotificationButton(/Smokes Fixer settings are not valid/, /^Open Settings$/);

      const editor = wb.page.locator('.settings-editor').first();
      await editor.waitFor({ state: 'visible', timeout: wb.timeoutMs });
      // The scope tabs (User / Workspace): the one showing is marked checked.
      const tabs = editor.locator('.settings-tabs-widget .action-label');
      await tabs.first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
      const checked = (await editor.locator('.settings-tabs-widget .action-label.checked').allInnerTexts()).map((t) => t.trim());
      ctx.log(`settings tabs: ${(await tabs.allInnerTexts()).map((t) => t.trim()).join(', ')}; showing: ${checked.join(', ')}`);
      assert.deepEqual(checked, ['Workspace'], 'the Workspace tab, where maxLoops is set, is the one showing');
      // The search box holds the setting's key, and the one setting shown is it, with the bad value.
      const search = (await editor.locator('.search-container .view-lines').first().innerText()).replace(/\u00a0/g, ' ').trim();
      assert.match(search, /smokesFixer\.maxLoops/, `the search filters to the setting (search: "${search}")`);
      const item = editor.locator('.setting-item').filter({ hasText: /Max Loops/ }).first();
      await item.waitFor({ state: 'visible', timeout: wb.timeoutMs });
      const value = await item.locator('input').first().inputValue();
      assert.equal(value, '50', 'the row shows the bad value set in the workspace');
      await wb.screenshot('settings-open-where-set');
    } finally {
      writeFileSync(settingsPath, original);
      await wb.runCommand('View: Close All Editors').catch(() => undefined);
    }
  }),
];
