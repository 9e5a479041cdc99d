/// <reference types="mocha" />
// What a new user meets, in a real VS Code: a producer that cannot start stops the run at once and is
// named where the prerequisites are shown (PRODUCT.md 25); the HTML report opens in a webview panel
// inside the editor with a strict policy; a review belongs to its attempt (PRODUCT.md 20).
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ADD, BUGGY, openFixtureWorkspace, waitFor, type FixtureWorkspace } from './fixtureWorkspace';

let fx: FixtureWorkspace;
/** One loop step (a pytest run and a producer call) on a busy machine. */
const STEP_MS = 400_000;

describe('Smokes Fixer as a new user meets it', function () {
  this.timeout(300_000);

  before(async () => {
    fx = await openFixtureWorkspace();
  });

  beforeEach(() => fx.reset());

  after(async () => {
    await fx.configure({ producer: undefined, producerCommand: undefined, autoApply: undefined });
    fx.stopExecRpc();
  });

  it('a producer command that cannot start: the check names it, the run stops before any attempt', async () => {
    await fx.configure({ producer: 'command', producerCommand: 'no-such-producer-7f3 --fix', autoApply: true });
    const report = (await vscode.commands.executeCommand('smokesFixer.checkPrerequisites', fx.folder.uri)) as {
      producer: { ok: boolean; detail: string; setting?: string };
      lines: string[];
    };
    assert.equal(report.producer.ok, false);
    assert.equal(report.producer.setting, 'producerCommand');
    assert.match(report.producer.detail, /no-such-producer-7f3 is not on PATH/);
    assert.ok(report.lines.some((l) => l.includes('CANNOT START') && l.includes('smokesFixer.producerCommand')), report.lines.join('\n'));

    // The Repairs view names the problem at its top, with the setting to change.
    const [top] = fx.api.repairTree.getChildren();
    assert.equal(top?.kind, 'problem');
    const item = fx.api.repairTree.getTreeItem(top);
    assert.equal(item.label, 'Producer cannot start: command');
    assert.deepEqual(item.command?.arguments?.[0], 'producerCommand');

    const before = fx.api.modelFor(fx.folder);
    const outcome = await vscode.commands.executeCommand('smokesFixer.run', fx.folder.uri);
    assert.equal(outcome, undefined, 'no loop outcome: the run did not start');
    assert.equal(fx.api.modelFor(fx.folder), before, 'no attempt was spent');
    assert.ok(!existsSync(join(fx.ws, 'artifacts')), 'nothing ran');
    assert.match(fx.api.terminal.text, /cannot start the patch producer \(command\): the producer command \"no-such-producer-7f3 --fix\" cannot start.*smokesFixer\.producerCommand/);
    assert.ok(!/--producer-command/.test(fx.api.terminal.text), 'the editor names settings, not CLI flags');

    // Fixed in the settings, the check is happy and the problem leaves the view.
    await fx.configure({ producerCommand: 'python3 tools/propose.py fix' });
    const ok = (await vscode.commands.executeCommand('smokesFixer.checkPrerequisites', fx.folder.uri)) as { producer: { ok: boolean } };
    assert.equal(ok.producer.ok, true);
    assert.ok(fx.api.repairTree.getChildren().every((n) => n.kind !== 'problem'));
  });

  it('Open Report shows the HTML report in a webview panel with a strict Content-Security-Policy', async () => {
    await fx.configure({ producer: 'command', producerCommand: 'python3 tools/propose.py fix', autoApply: true });
    const outcome = (await vscode.commands.executeCommand('smokesFixer.run', fx.folder.uri)) as { kind: string } | undefined;
    assert.equal(outcome?.kind, 'success');
    const panel = (await vscode.commands.executeCommand('smokesFixer.openReport', fx.folder.uri)) as vscode.WebviewPanel;
    assert.ok(panel, 'a panel opened');
    assert.equal(panel.viewType, 'smokesFixer.report');
    assert.equal(panel.title, `Smoke Report: ${fx.folder.name}`);
    const html = panel.webview.html;
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'none'/, 'the product\'s report needs no scripts');
    assert.ok(html.includes('test_smoke_add'), 'the panel holds the report of the last run');
    // The workbench shows it as a tab of the editor area.
    const tab = await waitFor(`a webview tab "${panel.title}"`, () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === panel.title),
      30_000,
    );
    assert.ok(tab.input instanceof vscode.TabInputWebview, 'the tab is a webview');
    // Open Artifact → HTML report reuses the same panel.
    assert.equal(await vscode.commands.executeCommand('smokesFixer.openArtifact', fx.folder.uri, 'artifacts/smoke.html'), true);
    assert.equal(fx.api.reports.panelFor(fx.folder), panel);
    panel.dispose();
  });

  it('a review belongs to its attempt: an earlier attempt\'s Apply does nothing to a later one', async function () {
    // Three attempts, each a pytest run and a producer call, on a shared machine.
    this.timeout(900_000);
    await fx.configure({ producer: 'command', producerCommand: 'python3 tools/propose.py wrong', autoApply: false });
    try {
      const running = Promise.resolve(vscode.commands.executeCommand('smokesFixer.run', fx.folder.uri)) as Promise<{ kind: string } | undefined>;
      const first = await waitFor('attempt 1 to wait for review', () => fx.api.diffPreview.pendingFor(fx.ws), STEP_MS);
      assert.equal(first.attempt, 1);
      assert.match(fx.api.diffPreview.statusText, /Review patch \(attempt 1\)/);
      // The editor title's Reject passes the preview's URI: it decides that folder's review.
      await vscode.commands.executeCommand('smokesFixer.rejectPatch', first.uris[0]);
      const second = await waitFor('attempt 2 to wait for review', () => {
        const p = fx.api.diffPreview.pendingFor(fx.ws);
        return p && p.attempt === 2 ? p : undefined;
      }, STEP_MS);
      // Attempt 1's notification button, pressed now, finds its review over.
      assert.equal(fx.api.diffPreview.decideReview(first.id, 'apply'), 'over');
      assert.equal(fx.api.diffPreview.pendingFor(fx.ws)?.id, second.id, 'attempt 2 still waits');
      assert.equal(fx.calc(), BUGGY, 'nothing was applied');
      // Closing the preview decides nothing: the review still waits, and can be reopened.
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(fx.api.diffPreview.pendingFor(fx.ws)?.id, second.id);
      await vscode.commands.executeCommand('smokesFixer.reviewPatch');
      await waitFor('the diff to open again', () =>
        vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === second.uris[0].toString()),
      );
      fx.api.diffPreview.decideReview(second.id, 'reject');
      const third = await waitFor('attempt 3 to wait for review', () => {
        const p = fx.api.diffPreview.pendingFor(fx.ws);
        return p && p.attempt === 3 ? p : undefined;
      }, STEP_MS);
      await vscode.commands.executeCommand('smokesFixer.rejectPatch');
      const outcome = await running;
      assert.equal(outcome?.kind, 'escalated');
      assert.equal(fx.api.diffPreview.decideReview(third.id, 'apply'), 'over');
      assert.equal(fx.calc(), BUGGY);
      assert.ok(!fx.api.diffPreview.isPending);
      assert.equal(fx.api.diffPreview.statusText, '');
      const sig = fx.api.modelFor(fx.folder)!.signatures.find((s) => s.nodeid === ADD)!;
      assert.deepEqual(sig.attempts.map((a) => a.verdict), ['rejected-by-user', 'rejected-by-user', 'rejected-by-user']);
      assert.equal(sig.state, 'exhausted', 'the ledger\'s state, shown as the engine says it');
    } finally {
      await fx.configure({ autoApply: true });
    }
  });
});
