/// <reference types="mocha" />
// Smokes Fixer inside a real VS Code, on a copy of test/fixtures/vscode-workspace: a pytest project whose
// smoke test fails because of a real bug, a command producer that prints the fix (or a useless change),
// and a Makefile that runs a tiny exec-rpc stand-in on a free port.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { gitIn } from './support';
import { ADD, EXTENSION_ID, FIXED, MUL, BUGGY, openFixtureWorkspace, waitFor, type FixtureWorkspace } from './fixtureWorkspace';
import { bundleSchema } from '../../../src/core/bundle';
import type { SmokesFixerApi } from '../../../src/extension/extension';

let fx: FixtureWorkspace;
let api: SmokesFixerApi;
let folder: vscode.WorkspaceFolder;
let ws: string;

function git(...args: string[]): string {
  return gitIn(ws, ...args);
}

function make(target: string): void {
  execFileSync('make', ['-s', target], { cwd: ws, stdio: 'ignore' });
}

function configure(values: Record<string, unknown>): Promise<void> {
  return fx.configure(values);
}

function calc(): string {
  return fx.calc();
}

function resetTree(): void {
  fx.reset();
}

describe('Smokes Fixer in VS Code', function () {
  this.timeout(300_000);

  before(async () => {
    fx = await openFixtureWorkspace();
    ({ api, folder, ws } = fx);
    await configure({ producer: 'command', producerCommand: 'python3 tools/propose.py fix', autoApply: true });
  });

  beforeEach(() => resetTree());

  after(async () => {
    try {
      make('exec-rpc-stop');
    } catch {
      /* already stopped */
    }
  });

  it('registers every contributed command', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const contributed: Array<{ command: string }> = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands;
    assert.ok(contributed.length >= 20);
    for (const c of contributed) assert.ok(all.has(c.command), `${c.command} is registered`);
  });

  it('shows the smoke selection in the Test Explorer', async () => {
    await api.tests.discover();
    const file = api.tests.controller.items.get('tests/smoke/test_calc_smoke.py');
    assert.ok(file, 'the test file item exists');
    const ids: string[] = [];
    file.children.forEach((c) => ids.push(c.id));
    assert.deepEqual(ids.sort(), [ADD, MUL]);
    const add = file.children.get(ADD)!;
    assert.equal(add.uri?.fsPath, join(ws, 'tests/smoke/test_calc_smoke.py'));
    assert.equal(add.range?.start.line, 3, 'the item points at the test function (line 4)');

    // A rediscovery (a setting changed, Refresh Tests) keeps the items it finds again, so the tree
    // neither collapses nor loses the results it shows; an item that no longer exists goes.
    const ghost = api.tests.ensureItem(folder, 'tests/smoke/test_calc_smoke.py::test_gone', 'tests/smoke/test_calc_smoke.py', 1);
    assert.ok(file.children.get(ghost.id));
    await api.tests.discover();
    assert.equal(api.tests.controller.items.get('tests/smoke/test_calc_smoke.py'), file, 'the file item is the same object');
    assert.equal(file.children.get(ADD), add, 'the test item is the same object');
    assert.equal(file.children.get(ghost.id), undefined, 'a test that is gone is removed');
  });

  it('status bar follows the exec-rpc service as it stops and starts', async () => {
    make('exec-rpc-stop');
    const down = await api.statusBar.refresh();
    assert.equal(down?.state, 'down');
    assert.match(api.statusBar.text, /exec-rpc: down/);

    const result = (await vscode.commands.executeCommand('smokesFixer.restartAndProbe', folder.uri)) as { ok: boolean } | undefined;
    assert.equal(result?.ok, true, 'restart + probe reported "t_ms"');
    const status = api.statusBar.status;
    assert.equal(status?.state, 'fresh', `fresh after the restart (${status?.reasons.join('; ')})`);
    assert.match(api.statusBar.text, /exec-rpc: fresh/);
    const head = git('rev-parse', 'HEAD');
    assert.ok(api.statusBar.tooltip.includes(`HEAD: ${head.slice(0, 10)}`), api.statusBar.tooltip);
    assert.match(api.statusBar.tooltip, /Uptime: \d/);

    make('exec-rpc-stop');
    assert.equal((await api.statusBar.refresh())?.state, 'down');
  });

  it('runs the loop through the command and ends with the smoke tests passing', async () => {
    await configure({ producerCommand: 'python3 tools/propose.py fix', autoApply: true });
    const outcome = (await vscode.commands.executeCommand('smokesFixer.run', folder.uri)) as Awaited<ReturnType<SmokesFixerApi['run']>>;
    assert.equal(outcome?.kind, 'success', JSON.stringify(outcome && 'detail' in outcome ? outcome.detail : outcome));
    assert.equal(calc(), FIXED, 'the fix is on disk');
    assert.equal(api.lastOutcome(folder)?.kind, 'success');

    // Test Explorer results come from the loop's runs.
    assert.equal(api.tests.results.get(ADD)?.outcome, 'passed');
    assert.equal(api.tests.results.get(MUL)?.outcome, 'passed');

    // The repair tree: one signature, fixed on its first attempt, with the kept patch.
    const model = api.modelFor(folder)!;
    assert.equal(model.signatures.length, 1);
    const [sig] = model.signatures;
    assert.equal(sig.nodeid, ADD);
    assert.equal(sig.state, 'fixed');
    assert.equal(model.attemptLabel(sig), '1/3');
    assert.equal(sig.attempts[0].verdict, 'kept');
    assert.match(sig.attempts[0].patch?.diff ?? '', /\+    return a \+ b/);
    const roots = api.repairTree.getChildren();
    assert.equal(roots.length, 1);
    // Count and state first, so a narrow side bar still shows them.
    assert.equal(api.repairTree.getTreeItem(roots[0]).label, '1/3 · fixed · test_smoke_add');
    const details = api.repairTree.getChildren(api.repairTree.getChildren(roots[0])[0]).map((n) => (n.kind === 'detail' ? n.detail : n.kind));
    assert.deepEqual(details, ['command', 'patch', 'verdict']);

    // The terminal got the plan, the commands and the validation lines.
    const text = api.terminal.text;
    assert.match(text, /Plan\x1b\[0m\r\n {2}• /);
    assert.match(text, /\$ \S+ -m pytest -q tests\/smoke -k smoke --maxfail=3 -rf/);
    assert.match(text, /✓ Baseline run/);
    assert.ok(!/[^\r]\n/.test(text), 'every line ends with \\r\\n');
    assert.ok(existsSync(join(ws, 'artifacts/summary.json')));
  });

  it('previews the patch in the diff editor and applies it only after Apply', async () => {
    await configure({ producerCommand: 'python3 tools/propose.py fix', autoApply: false });
    try {
      const running = vscode.commands.executeCommand('smokesFixer.run', folder.uri) as Thenable<Awaited<ReturnType<SmokesFixerApi['run']>>>;
      const tab = await waitFor('the diff editor tab', () =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === 'smokes-fixer'),
        120_000,
      );
      const input = tab.input as vscode.TabInputTextDiff;
      assert.equal(input.original.fsPath, join(ws, 'calc.py'));
      const patched = await vscode.workspace.openTextDocument(input.modified);
      assert.equal(patched.getText(), FIXED, 'the right side is calc.py as the patch leaves it');
      assert.equal(calc(), BUGGY, 'nothing touched the disk before Apply');
      assert.ok(api.diffPreview.isPending);

      await vscode.commands.executeCommand('smokesFixer.applyPatch');
      const outcome = await running;
      assert.equal(outcome?.kind, 'success');
      assert.equal(calc(), FIXED);
      assert.ok(!api.diffPreview.isPending);
      const still = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === 'smokes-fixer');
      assert.equal(still.length, 0, 'the preview closes once decided');
    } finally {
      await configure({ autoApply: true });
    }
  });

  it('escalates, shows the failure in the Test Explorer and exports a valid bundle', async () => {
    await configure({ producerCommand: 'python3 tools/propose.py wrong', autoApply: true });
    const outcome = (await vscode.commands.executeCommand('smokesFixer.run', folder.uri)) as Awaited<ReturnType<SmokesFixerApi['run']>>;
    assert.equal(outcome?.kind, 'escalated');
    assert.equal(outcome.kind === 'escalated' && outcome.reason, 'retry budget');
    assert.equal(calc(), BUGGY, 'useless patches were reverted');

    const model = api.modelFor(folder)!;
    const [sig] = model.signatures;
    assert.equal(sig.state, 'exhausted');
    assert.equal(model.attemptLabel(sig), '3/3');
    assert.equal(sig.attempts.length, 3);
    assert.ok(sig.attempts.every((a) => a.verdict !== null && a.verdict !== 'kept'), sig.attempts.map((a) => a.verdict).join(', '));
    assert.match(sig.attempts[2].command, /-vv -l -s --tb=long --maxfail=1/);

    const add = api.tests.results.get(ADD);
    assert.equal(add?.outcome, 'failed');
    assert.match(add?.message ?? '', /assert/);
    assert.equal(add?.location?.file, 'tests/smoke/test_calc_smoke.py');
    assert.equal(add?.location?.line, 5);
    assert.equal(api.tests.results.get(MUL)?.outcome, 'passed');

    const dir = mkdtempSync(join(tmpdir(), 'smokes-bundle-'));
    const target = vscode.Uri.file(join(dir, 'bundle.json'));
    const written = (await vscode.commands.executeCommand('smokesFixer.exportBundle', folder.uri, target)) as vscode.Uri | undefined;
    assert.equal(written?.fsPath, target.fsPath);
    const text = readFileSync(target.fsPath, 'utf8');
    const bundle = bundleSchema.parse(JSON.parse(text));
    assert.deepEqual(Object.keys(JSON.parse(text)), ['reason', 'failures', 'repro_commands', 'last_patch_diff', 'artifacts', 'exec_rpc_freshness']);
    assert.equal(bundle.reason, 'retry budget');
    assert.deepEqual(bundle.failures.map((f) => [f.nodeid, f.attempts]), [[ADD, 3]]);
    assert.ok(bundle.repro_commands.some((c) => c.includes('--maxfail=1')));
    rmSync(dir, { recursive: true, force: true });

    const copied = (await vscode.commands.executeCommand('smokesFixer.copyBundle', folder.uri)) as string;
    assert.deepEqual(JSON.parse(copied), JSON.parse(text));
  });

  it('"Fix with Smokes Fixer" on a failed test runs the loop on that test alone', async () => {
    await configure({ producerCommand: 'python3 tools/propose.py fix', autoApply: true });
    await api.tests.discover();
    const item = api.tests.controller.items.get('tests/smoke/test_calc_smoke.py')!.children.get(ADD)!;
    const outcome = (await vscode.commands.executeCommand('smokesFixer.fixTest', { test: item })) as Awaited<ReturnType<SmokesFixerApi['run']>>;
    assert.equal(outcome?.kind, 'success');
    assert.equal(calc(), FIXED);
    assert.equal(api.tests.results.get(ADD)?.outcome, 'passed');
    const model = api.modelFor(folder)!;
    assert.ok(model.commands.every((c) => c.includes(ADD)), `only ${ADD} ran: ${model.commands.join(' | ')}`);
  });

  it('opens an attempt\'s pytest output and patch as read-only documents', async () => {
    const model = api.modelFor(folder)!;
    const [root] = api.repairTree.getChildren();
    const attempt = api.repairTree.getChildren(root)[0];
    const outputUri = (await vscode.commands.executeCommand('smokesFixer.showAttemptOutput', attempt)) as vscode.Uri;
    assert.equal(outputUri.scheme, 'smokes-fixer');
    const doc = await vscode.workspace.openTextDocument(outputUri);
    assert.ok(doc.getText().startsWith(`$ ${model.signatures[0].attempts[0].command}`));
    assert.match(doc.getText(), /test_smoke_add/);
    const patchUri = (await vscode.commands.executeCommand('smokesFixer.showAttemptPatch', attempt)) as vscode.Uri;
    assert.match((await vscode.workspace.openTextDocument(patchUri)).getText(), /^--- a\/calc.py/m);
    const copied = (await vscode.commands.executeCommand('smokesFixer.copyReproCommand', root)) as string;
    assert.equal(copied, model.signatures[0].attempts.at(-1)!.command);
  });
});
