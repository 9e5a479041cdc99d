/// <reference types="mocha" />
// README claims about the extension, checked in a real VS Code through what VS Code itself shows or does
// (the active editor and its selection, the clipboard, files on disk, the language-model and Python-extension
// APIs), not through the extension's own state. Named to run last: it excludes a signature for the rest of
// the session.
import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ADD, BUGGY, EXTENSION_ID, FIXED, openFixtureWorkspace, waitFor, type FixtureWorkspace } from './fixtureWorkspace';
import type { TestHostApi } from '../host/src/host';
import { HOST_ID, TEST_MODEL } from '../host/src/ids';

type Outcome = { kind: string; reason?: string } | undefined;

/** The stand-in for the Python extension installed beside the product (test/vscode/host/python-fake). */
interface FakePythonApi {
  testing: { state: { activePath: string; asked: Array<string | null>; setInterpreterCalls: number }; setActivePath(p: string): void };
}

/** The answer a model would give: prose around a fenced unified diff that fixes calc.add. */
const MODEL_ANSWER = [
  'The smoke test fails because add subtracts. Fix:',
  '```diff',
  '--- a/calc.py',
  '+++ b/calc.py',
  '@@ -4,2 +4,2 @@',
  ' def add(a, b):',
  '-    return a - b',
  '+    return a + b',
  '```',
  '',
].join('\n');

let fx: FixtureWorkspace;
let host: TestHostApi;
let python: FakePythonApi;
let scratch: string;

function run(): Promise<Outcome> {
  return vscode.commands.executeCommand('smokesFixer.run', fx.folder.uri) as Promise<Outcome>;
}

function activeEditorAt(): { file: string; line: number; text: string } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const line = editor.selection.active.line;
  return { file: editor.document.uri.fsPath, line: line + 1, text: editor.document.lineAt(line).text };
}

function activeTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.activeTabGroup.activeTab;
}

describe('README claims in VS Code', function () {
  this.timeout(300_000);

  before(async () => {
    fx = await openFixtureWorkspace();
    host = vscode.extensions.getExtension<TestHostApi>(HOST_ID)!.exports;
    const ext = vscode.extensions.getExtension<FakePythonApi>('ms-python.python');
    assert.ok(ext, 'the Python extension (test stand-in) is installed');
    python = await ext.activate();
    scratch = mkdtempSync(join(tmpdir(), 'smokes-claims-'));
  });

  after(async () => {
    python?.testing.setActivePath('python3');
    await fx.configure({ pythonPath: undefined, producer: 'command', producerCommand: 'python3 tools/propose.py fix', autoApply: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fx.stopExecRpc();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('takes the interpreter from the Python extension, else pythonPath wins, else python3/python', async () => {
    // Interpreters that leave a trace of every use, then are python3. (Test discovery may also use them in
    // the background: the traces are read for the prerequisites check's pytest probe, `-c ...`.)
    const traced = (name: string) => {
      const trace = join(scratch, `${name}.log`);
      const bin = join(scratch, name);
      writeFileSync(bin, `#!/bin/sh\necho "$@" >> '${trace}'\nexec python3 "$@"\n`);
      chmodSync(bin, 0o755);
      return { bin, uses: () => (existsSync(trace) ? readFileSync(trace, 'utf8') : '') };
    };
    const fromExtension = traced('python-from-extension');
    const fromSetting = traced('python-from-setting');
    const check = () => vscode.commands.executeCommand('smokesFixer.checkPrerequisites', fx.folder.uri) as Promise<{ python: string } | undefined>;
    try {
      await fx.configure({ pythonPath: undefined });
      python.testing.setActivePath(fromExtension.bin);
      const asked = python.testing.state.asked.length;
      assert.equal((await check())?.python, fromExtension.bin);
      assert.ok(python.testing.state.asked.slice(asked).includes(fx.folder.uri.toString()), 'the product asked the Python extension for this folder');
      assert.match(fromExtension.uses(), /^-c /m, 'pytest was probed with the interpreter the Python extension named');

      // The setting wins over the Python extension.
      await fx.configure({ pythonPath: fromSetting.bin });
      assert.equal((await check())?.python, fromSetting.bin);
      assert.match(fromSetting.uses(), /^-c /m, 'pytest was probed with the interpreter of smokesFixer.pythonPath');

      // Neither names one: python3 (or python) from PATH.
      await fx.configure({ pythonPath: undefined });
      python.testing.setActivePath('');
      assert.match((await check())?.python ?? '', /(^|\/)python3?$/);
    } finally {
      python.testing.setActivePath('python3');
      await fx.configure({ pythonPath: undefined });
    }
  });

  it('vscode-lm: a model registered by another extension proposes the patch, asked with temperature 0 and top_p 0', async () => {
    assert.equal(host.model.registrationError, null, 'the test host registered its language model');
    const models = await vscode.lm.selectChatModels({ id: TEST_MODEL.id });
    assert.equal(models.length, 1, 'VS Code lists the registered model');
    fx.reset();
    host.model.requests.length = 0;
    host.model.answer = () => MODEL_ANSWER;
    await fx.configure({ producer: 'vscode-lm', lmModel: TEST_MODEL.id, autoApply: true });
    try {
      const outcome = await run();
      assert.equal(outcome?.kind, 'success', JSON.stringify(outcome));
      assert.equal(fx.calc(), FIXED, 'the model\'s patch is on disk');
      assert.equal(host.model.requests.length, 1, 'one request reached the model');
      const [request] = host.model.requests;
      assert.equal(request.extensionId.toLowerCase(), EXTENSION_ID, 'VS Code names the product as the caller');
      assert.match(request.messages.join('\n'), /test_smoke_add/, 'the request names the failing test');
      const options = JSON.stringify(request.options);
      assert.match(options, /"temperature":0\b/, options);
      assert.match(options, /"top_p":0\b/, options);
    } finally {
      await fx.configure({ producer: 'command', lmModel: undefined });
    }
  });

  describe('after an escalated run', () => {
    before(async function () {
      fx.reset();
      await fx.configure({ producer: 'command', producerCommand: 'python3 tools/propose.py wrong', autoApply: true });
      const outcome = await run();
      assert.equal(outcome?.kind, 'escalated', JSON.stringify(outcome));
    });
    // The tests below read what that run left (the tree, artifacts) in order: no reset between them.

    function signatureNode() {
      const roots = fx.api.repairTree.getChildren();
      const node = roots.find((n) => n.kind === 'signature' && n.record.nodeid === ADD);
      assert.ok(node, `the Repairs view has ${ADD}`);
      return node;
    }

    it('Open Failing Line opens the test file at the failing assertion', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('smokesFixer.openFailingLine', signatureNode());
      const at = await waitFor('an active editor', activeEditorAt, 10_000);
      assert.equal(at.file, join(fx.ws, 'tests/smoke/test_calc_smoke.py'));
      assert.equal(at.line, 5);
      assert.equal(at.text.trim(), 'assert add(2, 3) == 5');
    });

    it('Copy Repro Command puts the last attempt\'s pytest command on the clipboard', async () => {
      await vscode.env.clipboard.writeText('before');
      await vscode.commands.executeCommand('smokesFixer.copyReproCommand', signatureNode());
      const copied = await waitFor('the clipboard to change', async () => {
        const text = await vscode.env.clipboard.readText();
        return text !== 'before' ? text : undefined;
      }, 10_000);
      assert.match(copied, /pytest/);
      assert.ok(copied.includes(ADD), copied);
      assert.match(copied, /--maxfail=1/);
    });

    it('Open Artifact opens each artifact of the run', async () => {
      const text = ['artifacts/smoke.xml', 'requirements.snapshot.txt', 'artifacts/escalation.json', 'artifacts/run-log.jsonl'];
      for (const path of text) {
        assert.ok(existsSync(join(fx.ws, path)), `${path} was written`);
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('smokesFixer.openArtifact', fx.folder.uri, path);
        const editor = await waitFor(`${path} in the editor`, () => vscode.window.activeTextEditor, 10_000);
        assert.equal(editor.document.uri.fsPath, join(fx.ws, path));
      }
      // The HTML report opens inside the editor (a webview), as it cannot reach a browser from code-server.
      assert.ok(existsSync(join(fx.ws, 'artifacts/smoke.html')), 'the HTML report was written');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('smokesFixer.openArtifact', fx.folder.uri, 'artifacts/smoke.html');
      const tab = await waitFor('the HTML report in an editor tab', activeTab, 10_000);
      assert.ok(tab.input instanceof vscode.TabInputWebview, `the report opens in a webview (tab "${tab.label}")`);
    });

    it('Re-run This Test runs the loop on that test alone', async () => {
      await fx.configure({ producerCommand: 'python3 tools/propose.py fix' });
      const outcome = (await vscode.commands.executeCommand('smokesFixer.rerunTest', signatureNode())) as Outcome;
      assert.equal(outcome?.kind, 'success', JSON.stringify(outcome));
      assert.equal(fx.calc(), FIXED);
      // The run's JUnit file (written by pytest) holds the one test.
      const junit = readFileSync(join(fx.ws, 'artifacts/smoke.xml'), 'utf8');
      assert.match(junit, /name="test_smoke_add"/);
      assert.doesNotMatch(junit, /test_smoke_mul/);
    });

    it('Exclude This Signature keeps later runs from repairing it', async () => {
      await vscode.commands.executeCommand('smokesFixer.excludeSignature', signatureNode());
      fx.reset();
      const marker = join(scratch, 'producer-called');
      await fx.configure({ producerCommand: `touch '${marker}'; python3 tools/propose.py fix` });
      const outcome = (await run()) as { kind: string; loops?: number; detail?: string } | undefined;
      assert.ok(!existsSync(marker), 'the producer was not asked about the excluded signature');
      assert.equal(fx.calc(), BUGGY, 'nothing was repaired');
      assert.equal(outcome?.loops, 0, JSON.stringify(outcome));
      // The excluded test still fails: the run escalates instead of calling itself a success.
      assert.equal(outcome?.kind, 'escalated', JSON.stringify(outcome));
      assert.match(outcome?.detail ?? '', /excluded from repair and still fail: .*test_smoke_add/);
    });
  });

  it('walkthrough step commands: Select Interpreter opens the Python extension\'s picker, Select Patch Producer writes the setting', async () => {
    const calls = python.testing.state.setInterpreterCalls;
    await vscode.commands.executeCommand('smokesFixer.selectInterpreter');
    assert.equal(python.testing.state.setInterpreterCalls, calls + 1, 'python.setInterpreter ran');

    const settingsFile = join(fx.ws, '.vscode/settings.json');
    const picking = vscode.commands.executeCommand('smokesFixer.selectProducer');
    try {
      // The quick pick lists vscode-lm, openai, command, manual: move to "manual" as the arrow keys do.
      await new Promise((r) => setTimeout(r, 1000));
      for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await picking;
      const written = await waitFor('producer "manual" in .vscode/settings.json', () => {
        const text = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : '';
        return /"smokesFixer\.producer":\s*"manual"/.test(text) ? text : undefined;
      }, 10_000);
      assert.ok(written);
    } finally {
      await fx.configure({ producer: 'command' });
    }
  });
});
