/// <reference types="mocha" />
// The manual producer in a real VS Code: the loop waits while the person edits calc.py in the editor and
// saves, then takes the edit on Done (the prompt's button, answered here through the extension's API since
// VS Code cannot press a notification's button), verifies it and keeps it.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ADD, BUGGY, FIXED, openFixtureWorkspace, waitFor, type FixtureWorkspace } from './fixtureWorkspace';
import type { SmokesFixerApi } from '../../../src/extension/extension';

type Outcome = Awaited<ReturnType<SmokesFixerApi['run']>>;

let fx: FixtureWorkspace;

/** Changes `return a - b` into `return a + b` in the editor and saves, as a person would. */
async function fixInEditor(): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(fx.ws, 'calc.py')));
  await vscode.window.showTextDocument(doc);
  const at = doc.getText().indexOf('a - b');
  assert.ok(at >= 0, `calc.py in the editor still has the bug:\n${doc.getText()}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'a - b'.length)), 'a + b');
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applied');
  assert.ok(await doc.save(), 'calc.py saved');
}

describe('Manual producer in VS Code', function () {
  this.timeout(300_000);

  before(async () => {
    fx = await openFixtureWorkspace();
    await fx.configure({ producer: 'manual', autoApply: true });
  });

  beforeEach(() => fx.reset());

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await fx.configure({ producer: undefined, autoApply: undefined });
    fx.stopExecRpc();
  });

  it('waits for the person\'s edit and, on Done, verifies and keeps it', async () => {
    assert.ok(!fx.api.answerManualPrompt(fx.folder, 'done'), 'nothing waits before a run');
    const running = Promise.resolve(vscode.commands.executeCommand('smokesFixer.run', fx.folder.uri)) as Promise<Outcome>;
    await waitFor('the loop to wait for an edit', () => fx.api.isWaitingForEdit(fx.folder));
    assert.equal(fx.calc(), BUGGY);

    await fixInEditor();
    assert.equal(fx.calc(), FIXED, 'the saved edit is on disk');
    assert.ok(fx.api.isWaitingForEdit(fx.folder), 'saving alone does not end the wait: Done does');
    assert.ok(fx.api.answerManualPrompt(fx.folder, 'done'));

    const outcome = await running;
    assert.equal(outcome?.kind, 'success', JSON.stringify(outcome && 'detail' in outcome ? outcome.detail : outcome));
    assert.equal(fx.api.lastOutcome(fx.folder)?.kind, 'success');
    assert.ok(!fx.api.isWaitingForEdit(fx.folder));
    assert.equal(fx.calc(), FIXED, 'the edit was kept');

    const model = fx.api.modelFor(fx.folder)!;
    const [sig] = model.signatures;
    assert.equal(sig.nodeid, ADD);
    assert.equal(sig.state, 'fixed');
    assert.equal(sig.attempts.length, 1);
    assert.equal(sig.attempts[0].verdict, 'kept');
    assert.match(sig.attempts[0].patch?.diff ?? '', /\+    return a \+ b/, 'the person\'s edit went through the loop as its patch');
    assert.equal(fx.api.tests.results.get(ADD)?.outcome, 'passed');
  });

  it('cancelling while it waits ends the run as cancelled without an answer', async () => {
    const running = Promise.resolve(vscode.commands.executeCommand('smokesFixer.run', fx.folder.uri)) as Promise<Outcome>;
    await waitFor('the loop to wait for an edit', () => fx.api.isWaitingForEdit(fx.folder));

    await vscode.commands.executeCommand('smokesFixer.cancel', fx.folder.uri);
    const outcome = await running;
    assert.equal(outcome?.kind, 'cancelled');
    assert.ok(!fx.api.isWaitingForEdit(fx.folder), 'the prompt no longer waits');
    assert.ok(!fx.api.answerManualPrompt(fx.folder, 'done'), 'a late Done finds nothing to answer');
    assert.equal(fx.calc(), BUGGY);
  });
});
