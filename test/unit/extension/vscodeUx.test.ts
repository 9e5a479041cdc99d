import { mkdtempSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../src/core/settings';
import { testRunArgs } from '../../../src/core/pytestCommand';
import { checkProducer, commandProgram as firstProgram } from '../../../src/producers/preflight';
import { producerProblemMessage } from '../../../src/extension/prerequisites';
import { reportHtml } from '../../../src/extension/reportPanel';
import { escapeMarkdown, signatureLabel } from '../../../src/extension/repairTree';
import { openSettingWhereSet } from '../../../src/extension/settingsLink';
import type { VSCode } from '../../../src/extension/vscodeTypes';

describe('the report webview page', () => {
  const csp = (html: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';

  it('puts a strict policy first in <head>: nothing from the network, no scripts when the report has none', () => {
    const page = '<!DOCTYPE html><html><head><title>r</title><style>b{}</style></head><body><h1>Smoke report</h1></body></html>';
    const html = reportHtml(page, { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'N0nce' });
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<title>'));
    const policy = csp(html);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'none'");
    expect(policy).not.toMatch(/https?:\/\/(?!file\+)/);
    expect(html).toContain('<h1>Smoke report</h1>');
  });

  it('lets only the report\'s own scripts run, by nonce, and drops a policy the report declares', () => {
    const page = '<html><head><meta http-equiv="content-security-policy" content="default-src *"><script src="x.js"></script></head><body><script>go()</script></body></html>';
    const html = reportHtml(page, { cspSource: 'vscode-resource:', nonce: 'abc' });
    expect(csp(html)).toContain("script-src 'nonce-abc'");
    expect(html).not.toContain('default-src *');
    expect(html.match(/<script nonce="abc"/g)).toHaveLength(2);
  });

  it('wraps a fragment without <head>', () => {
    expect(reportHtml('<p>x</p>', { cspSource: 's', nonce: 'n' })).toMatch(/^<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy"[^>]+><\/head><body><p>x<\/p><\/body><\/html>$/);
  });
});

describe('the Repairs view words', () => {
  it('puts the count and state before the test name', () => {
    expect(signatureLabel('1/3', 'fixed', 'tests/smoke/test_calc.py::test_x')).toBe('1/3 · fixed · test_x');
    expect(signatureLabel('0/3', 'open', 'tests/smoke/test_calc.py::TestA::test_y[1]')).toBe('0/3 · open · TestA::test_y[1]');
    expect(signatureLabel('2/3', 'open', 'tests/smoke/test_broken.py')).toBe('2/3 · open · tests/smoke/test_broken.py');
  });

  it('escapes Markdown in test names and messages', () => {
    expect(escapeMarkdown('test__index__[a*b]')).toBe('test\\_\\_index\\_\\_\\[a\\*b\\]');
    expect(escapeMarkdown('`x` <b> #1')).toBe('\\`x\\` \\<b\\> \\#1');
  });
});

describe('the producer preflight', () => {
  const ws = mkdtempSync(join(tmpdir(), 'preflight-'));
  const bin = join(ws, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'propose'), '#!/bin/sh\n');
  chmodSync(join(bin, 'propose'), 0o755);
  writeFileSync(join(ws, 'not-executable.sh'), 'echo\n');
  const env = { PATH: bin };
  const command = (producerCommand: string) => checkProducer({ ...defaultSettings, producer: 'command', producerCommand }, { workspace: ws, env });

  it('finds the program of a command on PATH or as a path, after variable assignments', async () => {
    expect(firstProgram('FOO=1 BAR="a b" propose --x; other')).toBe('propose');
    expect(firstProgram('"./my tool" arg')).toBe('./my tool');
    expect((await command('propose fix')).ok).toBe(true);
    expect((await command('FOO=1 propose')).ok).toBe(true);
    expect((await command(`${join(bin, 'propose')} x`)).ok).toBe(true);
  });

  it('names a missing or non-executable program and the setting to change', async () => {
    const missing = await command('no-such-producer-xyz --go');
    expect(missing).toMatchObject({ ok: false, setting: 'producerCommand', producer: 'command' });
    expect(missing.detail).toContain('no-such-producer-xyz is not on PATH');
    expect((await command('./not-executable.sh')).ok).toBe(false);
    expect(await command('  ')).toMatchObject({ ok: false, setting: 'producerCommand' });
  });

  it('checks the openai producer\'s URL and key; manual always starts', async () => {
    const openai = (s: Partial<typeof defaultSettings>, e: NodeJS.ProcessEnv = {}) =>
      checkProducer({ ...defaultSettings, producer: 'openai', ...s }, { workspace: ws, env: e });
    expect(await openai({ openaiBaseUrl: 'not a url' })).toMatchObject({ ok: false, setting: 'openaiBaseUrl' });
    expect(await openai({ openaiBaseUrl: 'https://api.example.com/v1' })).toMatchObject({ ok: false, setting: 'openaiApiKeyEnv' });
    expect((await openai({ openaiBaseUrl: 'https://api.example.com/v1' }, { OPENAI_API_KEY: 'k' })).ok).toBe(true);
    expect((await openai({ openaiBaseUrl: 'http://127.0.0.1:9/v1' })).ok).toBe(true);
    expect((await checkProducer({ ...defaultSettings, producer: 'manual' }, { workspace: ws, env })).ok).toBe(true);
  });

  it('speaks to a VS Code user in settings, never CLI flags', async () => {
    const message = producerProblemMessage(await command(''));
    expect(message).toContain('smokesFixer.producerCommand');
    expect(message).not.toContain('--');
  });
});

describe('the Test Explorer run', () => {
  it('runs the selection or the given tests, every failure reported', () => {
    expect(testRunArgs({ select: [], markExpr: '' })).toEqual(['-q', 'tests/smoke', '-k', 'smoke', '-rf']);
    expect(testRunArgs({ select: [], markExpr: 'smoke' }, ['t.py::a'])).toEqual(['-q', 't.py::a', '-rf']);
    expect(testRunArgs({ select: ['x.py'], markExpr: 'm' })).toEqual(['-q', 'x.py', '-m', 'm', '-rf']);
  });
});

describe('Open Settings where the value is set', () => {
  function fake(values: { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown }, multiRoot = false) {
    const calls: Array<[string, unknown]> = [];
    const vscode = {
      workspace: {
        workspaceFile: multiRoot ? { path: '/w.code-workspace' } : undefined,
        workspaceFolders: [{ uri: { fsPath: '/ws' } }],
        getConfiguration: () => ({ inspect: () => values }),
      },
      commands: {
        executeCommand: (id: string, arg: unknown) => {
          calls.push([id, arg]);
          return Promise.resolve();
        },
      },
    } as unknown as VSCode;
    return { vscode, calls };
  }

  it('opens the Workspace tab for a value the workspace sets, filtered to its key', async () => {
    const f = fake({ globalValue: 3, workspaceValue: 50 });
    expect(await openSettingWhereSet(f.vscode, 'smokesFixer.maxLoops')).toBe('workspace');
    expect(f.calls).toEqual([['workbench.action.openWorkspaceSettings', { query: 'smokesFixer.maxLoops' }]]);
  });

  it('opens the User tab for a user value, the folder\'s in a multi-root workspace, the Workspace tab for an unset key', async () => {
    const user = fake({ globalValue: 50 });
    expect(await openSettingWhereSet(user.vscode, 'maxLoops')).toBe('user');
    expect(user.calls).toEqual([['workbench.action.openGlobalSettings', { query: 'smokesFixer.maxLoops' }]]);
    const folder = fake({ workspaceFolderValue: 'x' }, true);
    expect(await openSettingWhereSet(folder.vscode, 'producerCommand')).toBe('folder');
    expect(folder.calls[0]).toEqual(['workbench.action.openFolderSettings', { query: 'smokesFixer.producerCommand' }]);
    const unset = fake({});
    expect(await openSettingWhereSet(unset.vscode, 'producerCommand')).toBe('default');
    expect(unset.calls[0][0]).toBe('workbench.action.openWorkspaceSettings');
  });
});
