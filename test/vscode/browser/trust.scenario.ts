// Restricted Mode as a person meets it: workspace trust on, the folder not yet trusted. The product stays
// off (VS Code does not activate it) and the Smokes Fixer view says why; trusting the folder in the
// Workspace Trust editor turns it on.
import * as assert from 'node:assert/strict';
import { scenario } from './scenario';
import { extensionHostLog, poll } from './files';

const ACTIVATED = '_doActivateExtension smokes-fixer.smokes-fixer,';

export default [
  scenario(
    'restricted mode: the extension stays off and says why; trusting the folder turns it on',
    async (wb, ctx) => {
      await wb.statusBarItem('Restricted Mode').first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
      // Give VS Code the time it takes to activate on workspaceContains, then check it did not.
      await wb.page.waitForTimeout(3000);
      assert.ok(!extensionHostLog(ctx.userDataDir).includes(ACTIVATED), 'the product is not activated in Restricted Mode');
      assert.equal(await wb.statusBarItem(/exec-rpc:/).count(), 0, 'no freshness item in the status bar');

      const sidebar = await wb.openViewContainer('Smokes Fixer');
      const why = sidebar.locator('.welcome-view-content').filter({ hasText: 'off in Restricted Mode' }).first();
      try {
        await why.waitFor({ state: 'visible', timeout: wb.timeoutMs });
      } catch {
        throw new Error(`the Smokes Fixer view does not say why it is off (shows: ${(await sidebar.innerText()).replace(/\s+/g, ' ').slice(0, 800)})`);
      }
      await wb.screenshot('restricted-mode');

      // Its button opens the Workspace Trust editor; "Trust" there turns the product on.
      await why.locator('.monaco-button, a').filter({ hasText: 'Manage Workspace Trust' }).first().click();
      const editor = wb.page.locator('.workspace-trust-editor');
      await editor.waitFor({ state: 'visible', timeout: wb.timeoutMs });
      const trust = editor.locator('.monaco-button').filter({ hasText: /^Trust( Folder)?$/ }).first();
      try {
        await trust.waitFor({ state: 'visible', timeout: wb.timeoutMs });
      } catch {
        throw new Error(`no Trust button in the Workspace Trust editor (buttons: ${(await editor.locator('.monaco-button').allInnerTexts()).join(' | ')})`);
      }
      await trust.click();
      const line = await poll('the product to activate once trusted', () => extensionHostLog(ctx.userDataDir).split('\n').find((l) => l.includes(ACTIVATED)), 60_000);
      ctx.log(line.trim());
      assert.match(line, /activationEvent: '(workspaceContains:|onStartupFinished|\*)/);
      await wb.statusBarItem(/exec-rpc:/).first().waitFor({ state: 'visible', timeout: 60_000 });
      await wb.statusBarItem('Restricted Mode').first().waitFor({ state: 'hidden', timeout: wb.timeoutMs });
      await wb.runCommand('View: Close All Editors').catch(() => {});
    },
    { restricted: true, timeoutMs: 3 * 60_000 },
  ),
];
