// What the README promises about the status bar, the OpenAI key and the bundle export, done as a person
// does it in the workbench and checked where the result lands: VS Code's log files, the requests a local
// OpenAI-compatible server received, the settings files, and the exported file on disk.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenario } from './scenario';
import { filesUnder, poll, productLogMark, productLogSince } from './files';

const BUG_LINE = 'return a - b';

/** Useless changes to calc.mul (a different one each time), so every attempt fails and the run escalates. */
const NO_OP_MULS = ['b * a', '(a * b)', 'a * b * 1'];
function uselessPatch(n: number): string {
  const body = NO_OP_MULS[n % NO_OP_MULS.length];
  return ['```diff', '--- a/calc.py', '+++ b/calc.py', '@@ -8,2 +8,2 @@', ' def mul(a, b):', '-    return a * b', `+    return ${body}`, '```', ''].join('\n');
}

/** A local endpoint speaking the chat-completions wire format, recording each request's headers and body. */
async function startChatCompletions() {
  const requests: Array<{ url: string; headers: IncomingHttpHeaders; body: { model?: string; temperature?: number; top_p?: number; messages?: unknown[] } }> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}');
      requests.push({ url: req.url ?? '', headers: req.headers, body });
      const answer = {
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: uselessPatch(requests.length - 1) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { requests, baseUrl: `http://127.0.0.1:${port}/v1`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export default [
  scenario('a click on the status bar item restarts and probes exec-rpc, its output in the log', async (wb, ctx) => {
    execFileSync('make', ['-s', 'exec-rpc-stop'], { cwd: ctx.workspace, stdio: 'ignore' });
    const mark = productLogMark(ctx.userDataDir);
    // Earlier scenarios leave toasts and editors that can sit over the status bar or move its items.
    await wb.runCommand('Notifications: Clear All Notifications');
    await wb.runCommand('View: Close All Editors');
    const item = wb.statusBarItem(/exec-rpc:/).first();
    await item.waitFor({ state: 'visible', timeout: wb.timeoutMs });
    await item.click();
    const started = () => productLogSince(ctx.userDataDir, mark).includes('$ make exec-rpc-restart');
    // A click that landed while the item was being redrawn did nothing: click it once more.
    await poll('the restart to start', () => (started() ? true : undefined), 20_000, () => '').catch(async () => {
      await wb.statusBarItem(/exec-rpc:/).first().click();
    });
    const log = await poll('restart + probe in the Smokes Fixer log', () => {
      const text = productLogSince(ctx.userDataDir, mark);
      return /Restart \+ probe (reported|did not report)/.test(text) ? text : undefined;
    }, 120_000, () => productLogSince(ctx.userDataDir, mark).slice(-600));
    assert.match(log, /\$ make exec-rpc-restart && make exec-rpc-probe/);
    assert.match(log, /t_ms/, 'the probe\'s output is in the log');
    assert.match(log, /Restart \+ probe reported "t_ms"/);
    await wb.statusBarItem(/exec-rpc: fresh/).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
  }),

  scenario(
    'Set OpenAI API Key: kept in secret storage, sent by the openai producer, never in settings or logs; the bundle exported through the save dialog',
    async (wb, ctx) => {
      const key = `sk-test-${Date.now().toString(36)}-secret`;
      const server = await startChatCompletions();
      const settingsFile = join(ctx.workspace, '.vscode', 'settings.json');
      const original = readFileSync(settingsFile, 'utf8');
      const exportDir = mkdtempSync(join(tmpdir(), 'smokes-export-'));
      // calc.py back to the committed bug (an earlier scenario's run fixed it).
      execFileSync('git', ['checkout', '-q', '--', 'calc.py'], { cwd: ctx.workspace });
      assert.ok(readFileSync(join(ctx.workspace, 'calc.py'), 'utf8').includes(BUG_LINE));
      try {
        await wb.runCommand('Smokes Fixer: Set OpenAI API Key');
        const input = wb.page.locator('.quick-input-widget .quick-input-box input');
        await input.waitFor({ state: 'visible', timeout: wb.timeoutMs });
        assert.equal(await input.getAttribute('type'), 'password', 'the key is typed into a password box');
        await input.fill(key);
        await input.press('Enter');
        await wb.waitForNotification('OpenAI API key stored');

        // The openai producer against the local endpoint; no key anywhere in the settings.
        writeFileSync(
          settingsFile,
          JSON.stringify({ ...JSON.parse(original), 'smokesFixer.producer': 'openai', 'smokesFixer.openaiBaseUrl': server.baseUrl, 'smokesFixer.openaiModel': 'local-test-model', 'smokesFixer.autoApply': true }, null, 2),
        );
        // VS Code reads the changed file; the run must see the new producer.
        await wb.page.waitForTimeout(2000);
        await wb.runCommand('Smokes Fixer: Run Smokes Fixer');
        await poll('three requests to the chat-completions endpoint', () => server.requests.length >= 3 || undefined, 5 * 60_000, () => `${server.requests.length} so far`);
        await poll('artifacts/escalation.json', () => existsSync(join(ctx.workspace, 'artifacts/escalation.json')) || undefined, 2 * 60_000);
        for (const r of server.requests) {
          assert.equal(r.url, '/v1/chat/completions');
          assert.equal(r.headers.authorization, `Bearer ${key}`, 'the stored key is sent as the bearer token');
          assert.equal(r.body.model, 'local-test-model');
          assert.equal(r.body.temperature, 0);
          assert.equal(r.body.top_p, 0);
        }
        assert.ok(readFileSync(join(ctx.workspace, 'calc.py'), 'utf8').includes(BUG_LINE), 'the useless patches were taken back');

        // The key is in no settings file and no log VS Code wrote.
        const leaks = [...filesUnder(join(ctx.userDataDir, 'User')), ...filesUnder(join(ctx.userDataDir, 'logs')), settingsFile].filter((f) =>
          readFileSync(f, 'utf8').includes(key),
        );
        assert.deepEqual(leaks, [], 'the key was written to these files');

        // Export Escalation Bundle…: code-server's save dialog is a path typed into the quick input.
        const target = join(exportDir, 'exported-bundle.json');
        await wb.runCommand('Smokes Fixer: Export Escalation Bundle…');
        const path = wb.page.locator('.quick-input-widget .quick-input-box input');
        await path.waitFor({ state: 'visible', timeout: wb.timeoutMs });
        // The dialog fills in its default path a moment after it shows: type over it only then.
        await poll('the dialog\'s default path', async () => (await path.inputValue()).endsWith('escalation-bundle.json') || undefined, wb.timeoutMs);
        await path.fill(target);
        await poll('the typed path in the dialog', async () => (await path.inputValue()) === target || undefined, wb.timeoutMs);
        await wb.page.waitForTimeout(500);
        await path.press('Enter');
        // The dialog may take the first Enter to follow the typed folder: then its OK button saves.
        const ok = wb.page.locator('.quick-input-widget .monaco-button').filter({ hasText: /^OK$/ }).first();
        for (let i = 0; i < 3 && !existsSync(target); i++) {
          await wb.page.waitForTimeout(1500);
          if (!existsSync(target) && (await ok.isVisible())) await ok.click();
        }
        await wb.waitForNotification('Escalation bundle saved to');
        const bundle = JSON.parse(readFileSync(target, 'utf8'));
        assert.equal(bundle.reason, 'retry budget');
        assert.deepEqual(Object.keys(bundle), ['reason', 'failures', 'repro_commands', 'last_patch_diff', 'artifacts', 'exec_rpc_freshness']);
        assert.ok(!readFileSync(target, 'utf8').includes(key), 'the key is not in the bundle');
        await wb.screenshot('bundle-exported');
      } finally {
        writeFileSync(settingsFile, original);
        await server.close();
        rmSync(exportDir, { recursive: true, force: true });
      }
    },
    { timeoutMs: 8 * 60_000 },
  ),
];
