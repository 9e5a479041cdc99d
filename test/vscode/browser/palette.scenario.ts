// The command palette offers Smokes Fixer's main command, it runs, and the Smokes Fixer view opens.
import * as assert from 'node:assert';
import { scenario } from './scenario';

export default [
  scenario('Smokes Fixer runs from the command palette', async (wb) => {
    await wb.screenshot('workbench');
    assert.ok(await wb.hasCommand('Smokes Fixer: Run Smokes Fixer'), 'the palette should list "Smokes Fixer: Run Smokes Fixer"');
    await wb.runCommand('Smokes Fixer: Run Smokes Fixer');
    await wb.screenshot('after-run-command');
  }),
  scenario('the Smokes Fixer view container opens', async (wb) => {
    const sidebar = await wb.openViewContainer('Smokes Fixer');
    assert.ok(await sidebar.isVisible());
    await wb.screenshot('smokes-fixer-view');
  }),
];
