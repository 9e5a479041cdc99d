/// <reference types="mocha" />
// Assisted investigation inside a real VS Code: on attempt 3 the public helper goes through a language-model
// tool registered in VS Code (the test host contributes `testhost_perplexity_ask`, shaped like an MCP
// perplexity-ask tool as VS Code lists it) and the private helper, for which VS Code has no tool, through
// the configured MCP server (the engine's recorder fixture). The producer never fixes the bug, so the loop
// reaches attempt 3.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { configureFolder, gitIn } from './support';
import { ADD, BUGGY, openFixtureWorkspace, type FixtureWorkspace } from './fixtureWorkspace';
import type { SmokesFixerApi } from '../../../src/extension/extension';
import type { RepairNode } from '../../../src/extension/repairTree';

/** The repository's folder, set when the suite is bundled. */
declare const SMOKES_FIXER_REPO_ROOT: string;

const HOST_ID = 'smokes-fixer-tests.smokes-fixer-test-host';
const TEST_TOOL = 'testhost_perplexity_ask';

interface TestHostApi {
  toolCalls: Array<{ input: unknown; at: string }>;
  registrationError: string | null;
}

let fx: FixtureWorkspace;
let api: SmokesFixerApi;
let host: TestHostApi | undefined;
let folder: vscode.WorkspaceFolder;
let ws: string;
let records: string;

function git(...args: string[]): string {
  return gitIn(ws, ...args);
}

function configure(values: Record<string, unknown>): Promise<void> {
  return configureFolder(folder, values);
}

function recorded(file: string): Array<{ event: string; tool?: string; arguments?: Record<string, unknown> }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function recorderServer(recordFile: string) {
  return {
    command: 'node',
    args: [join(SMOKES_FIXER_REPO_ROOT, 'test/fixtures/mcp-recorder/server.mjs')],
    env: { MCP_RECORD_FILE: recordFile, MCP_RECORDER_TOOLS: 'both' },
  };
}

describe('Assisted investigation in VS Code', function () {
  this.timeout(300_000);

  before(async () => {
    fx = await openFixtureWorkspace();
    ({ api, folder, ws } = fx);
    // Under @vscode/test-electron the host is not an installed extension and contributes no tool.
    host = await vscode.extensions.getExtension<TestHostApi>(HOST_ID)?.activate();
    records = mkdtempSync(join(tmpdir(), 'smokes-investigation-'));
  });

  beforeEach(() => fx.reset());

  after(async () => {
    await configure({ investigation: undefined, producerCommand: undefined, producer: undefined, autoApply: undefined });
    try {
      execFileSync('make', ['-s', 'exec-rpc-stop'], { cwd: ws, stdio: 'ignore' });
    } catch {
      /* not running */
    }
    rmSync(records, { recursive: true, force: true });
  });

  it('lists the tool the test host contributes in vscode.lm.tools', function () {
    if (!host) {
      // Only under @vscode/test-electron, where the host runs as the tests path and contributes nothing.
      assert.ok(!vscode.lm.tools.some((t) => t.name === TEST_TOOL));
      return;
    }
    assert.equal(host.registrationError, null, `vscode.lm.registerTool failed: ${host.registrationError}`);
    const tool = vscode.lm.tools.find((t) => t.name === TEST_TOOL);
    assert.ok(tool, `vscode.lm.tools lists ${TEST_TOOL} (it lists: ${vscode.lm.tools.map((t) => t.name).join(', ') || 'nothing'})`);
    assert.deepEqual(Object.keys((tool.inputSchema as { properties: object }).properties), ['messages']);
  });

  it('on attempt 3 asks the public helper through the VS Code tool and the private one through the configured server', async () => {
    const privateFile = join(records, 'private.jsonl');
    const publicFile = join(records, 'public.jsonl');
    const toolCallsBefore = host?.toolCalls.length ?? 0;
    await configure({
      producer: 'command',
      producerCommand: 'python3 tools/propose.py wrong',
      autoApply: true,
      investigation: {
        enabled: true,
        confirmPayloads: false,
        timeoutSeconds: 60,
        privateServer: recorderServer(privateFile),
        // Used only when VS Code has no perplexity-like tool.
        publicServer: recorderServer(publicFile),
      },
    });
    const outcome = (await vscode.commands.executeCommand('smokesFixer.run', folder.uri)) as Awaited<ReturnType<SmokesFixerApi['run']>>;
    assert.equal(outcome?.kind, 'escalated', JSON.stringify(outcome));
    assert.equal(readFileSync(join(ws, 'calc.py'), 'utf8'), BUGGY);

    // Private helper: no context7-like tool in VS Code, so the configured MCP server got the code.
    const privateCalls = recorded(privateFile).filter((r) => r.event === 'call');
    assert.equal(privateCalls.length, 1, `one call to the private server: ${JSON.stringify(recorded(privateFile))}`);
    assert.equal(privateCalls[0].tool, 'get-library-docs');
    const privateText = String(privateCalls[0].arguments?.topic ?? '');
    assert.match(privateText, /\d+ \|     assert add\(2, 3\) == 5/, 'the private helper sees the code around the failing frame');
    assert.match(privateText, /assert -1 == 5/);

    const model = api.modelFor(folder)!;
    const sig = model.signatures.find((s) => s.nodeid === ADD)!;
    assert.deepEqual(sig.attempts.map((a) => a.investigations.length), [0, 0, 2]);

    let publicSent: string;
    if (host) {
      // Public helper: through the tool VS Code lists, never through the configured server.
      const calls = host.toolCalls.slice(toolCallsBefore);
      assert.equal(calls.length, 1, `one call to ${TEST_TOOL}`);
      const input = calls[0].input as { messages: Array<{ role: string; content: string }> };
      assert.equal(input.messages[0].role, 'user');
      publicSent = input.messages[0].content;
      assert.equal(recorded(publicFile).length, 0, 'the public fallback server never started');
    } else {
      const calls = recorded(publicFile).filter((r) => r.event === 'call');
      assert.equal(calls.length, 1);
      publicSent = String((calls[0].arguments as { messages: Array<{ content: string }> }).messages[0].content);
    }
    assert.match(publicSent, /^What does this Python error mean/);
    assert.match(publicSent, /assert -1 == 5/);
    assert.ok(!publicSent.includes(ws), `no workspace path in the public payload: ${publicSent}`);
    assert.ok(!publicSent.includes('test_calc_smoke'), `no file names in the public payload: ${publicSent}`);
    assert.ok(!/\bcalc\b/.test(publicSent), `no name of the user's modules in the public payload: ${publicSent}`);

    // The repair tree: attempt 3 has one node per helper, each opening the payload sent and the answer.
    const [root] = api.repairTree.getChildren().filter((n) => n.kind === 'signature' && n.record.nodeid === ADD);
    const attempts = api.repairTree.getChildren(root);
    assert.deepEqual(
      attempts.slice(0, 2).map((a) => api.repairTree.getChildren(a).filter((n) => n.kind === 'investigation').length),
      [0, 0],
    );
    const nodes = api.repairTree.getChildren(attempts[2]).filter((n): n is Extract<RepairNode, { kind: 'investigation' }> => n.kind === 'investigation');
    const labels = nodes.map((n) => String(api.repairTree.getTreeItem(n).label));
    assert.equal(labels.length, 2);
    assert.match(labels[0], /^Investigation \(private: node .*mcp-recorder\/server\.mjs\)$/);
    if (host) assert.equal(labels[1], `Investigation (public: VS Code tool ${TEST_TOOL})`);
    else assert.match(labels[1], /^Investigation \(public: node .*mcp-recorder\/server\.mjs\)$/);
    assert.deepEqual(nodes.map((n) => api.repairTree.getTreeItem(n).description), ['answered', 'answered']);

    const uri = (await vscode.commands.executeCommand('smokesFixer.showInvestigation', nodes[1])) as vscode.Uri;
    assert.equal(uri.scheme, 'smokes-fixer');
    const doc = JSON.parse((await vscode.workspace.openTextDocument(uri)).getText()) as {
      helper: string;
      sent: { text: string; tool: string; arguments: { messages: Array<{ content: string }> } };
      answer: string;
    };
    assert.equal(doc.helper, 'public');
    assert.equal(doc.sent.text, publicSent, 'the document shows exactly the text that was sent');
    assert.equal(doc.sent.arguments.messages[0].content, publicSent);
    assert.match(doc.answer, /^canned answer from (testhost_)?perplexity_ask/);

    // The terminal said what was sent and that it was answered.
    assert.match(api.terminal.text, /Investigation \(public, [^)]*\)\x1b\[0m: sending \d+ bytes/);
    assert.match(api.terminal.text, /Investigation \(private, [^)]*\)\x1b\[0m: answered/);
  });
});
