// Restricted Mode as a person meets it: workspace trust on, the folder not yet trusted. The product stays
// off (VS Code neither activates it nor shows its views and commands) and VS Code says why in the
// Extensions view; trusting the folder in the Workspace Trust editor turns it on.
import * as assert from 'node:assert/strict';
import { scenario } from './scenario';
import { extensionHostLog, poll } from './files';

const ACTIVATED = '_doActivateExtension smokes-fixer.smokes-fixer,';

export default [
  scenario(
    'restricted mode: the extension stays off, the Extensions view marks it with the trust shield; trusting the folder turns it on',
    async (wb, ctx) => {
      await wb.statusBarItem('Restricted Mode').first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
      // Give VS Code the time it takes to activate on workspaceContains, then check it did not.
      await wb.page.waitForTimeout(3000);
      assert.ok(!extensionHostLog(ctx.userDataDir).includes(ACTIVATED), 'the product is not activated in Restricted Mode');
      assert.equal(await wb.statusBarItem(/exec-rpc:/).count(), 0, 'no freshness item in the status bar');

      // VS Code does not load an extension that does not support untrusted workspaces: its views are not
      // there either. It says why in the Extensions view: "Disabled in Restricted Mode".
      assert.ok(!(await wb.hasCommand('Smokes Fixer: Run Smokes Fixer', 3000)), 'the product\'s commands are not in the palette');
      const extensions = await wb.openViewContainer('Extensions');
      // The search box is a small editor: click it (not its hidden textarea) to focus it.
      await extensions.locator('.extensions-search-container .monaco-editor').first().click({ timeout: wb.timeoutMs });
      await wb.page.keyboard.press('Control+A');
      await wb.page.keyboard.type('@installed Smokes Fixer', { delay: 10 });
      const row = extensions.locator('.monaco-list-row').filter({ hasText: 'Smokes Fixer' }).first();
      await row.waitFor({ state: 'visible', timeout: wb.timeoutMs });
      // The row is greyed out with a shield; hovering it shows the reason the product gives in its manifest
      // (capabilities.untrustedWorkspaces.description).
      const shield = row.locator('.codicon-extension-workspace-trust').first();
      await shield.waitFor({ state: 'visible', timeout: wb.timeoutMs });
      ctx.log('Extensions view: the product is marked with the workspace-trust shield (disabled in Restricted Mode)');
      await wb.screenshot('restricted-mode');

      // Trusting the folder in the Workspace Trust editor turns the product on.
      assert.ok(await wb.trustWorkspace(), 'the folder was in Restricted Mode');
      const line = await poll('the product to activate once trusted', () => extensionHostLog(ctx.userDataDir).split('\n').find((l) => l.includes(ACTIVATED)), 60_000);
      ctx.log(line.trim());
      assert.match(line, /activationEvent: '(workspaceContains:|onStartupFinished|\*)/);
      await wb.statusBarItem(/exec-rpc:/).first().waitFor({ state: 'visible', timeout: 60_000 });
      await wb.runCommand('View: Close All Editors').catch(() => {});
    },
    { restricted: true, timeoutMs: 3 * 60_000 },
  ),
];
