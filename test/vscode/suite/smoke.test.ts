/// <reference types="mocha" />
// The product is installed from its .vsix into a real VS Code, activates, and registers its main command.
import * as assert from 'node:assert';
import * as vscode from 'vscode';

const PRODUCT_ID = 'smokes-fixer.smokes-fixer';

describe('Smokes Fixer extension', () => {
  it('is installed in VS Code', () => {
    const ext = vscode.extensions.getExtension(PRODUCT_ID);
    assert.ok(ext, `${PRODUCT_ID} should be installed`);
    assert.strictEqual(ext.packageJSON.name, 'smokes-fixer');
  });

  it('activates without error', async () => {
    const ext = vscode.extensions.getExtension(PRODUCT_ID);
    assert.ok(ext);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('registers the smokesFixer.run command', async () => {
    await vscode.extensions.getExtension(PRODUCT_ID)?.activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('smokesFixer.run'), 'smokesFixer.run should be registered');
  });
});
