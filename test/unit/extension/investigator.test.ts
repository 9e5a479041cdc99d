import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { askMcpServer, ShownPayload } from '../../../src/core/investigation';
import { silentLogger, type Failure, type InvestigationContext, type LoopEvent } from '../../../src/core/types';
import { defaultSettings, type McpServerConfig, type Settings } from '../../../src/core/settings';
import { DECLINED, findHelperTool, VscodeInvestigator } from '../../../src/extension/investigator';
import type { VSCode } from '../../../src/extension/vscodeTypes';

const PERPLEXITY_SCHEMA = {
  type: 'object',
  properties: { messages: { type: 'array', items: { type: 'object', properties: { role: { type: 'string' }, content: { type: 'string' } } } } },
  required: ['messages'],
};
const CONTEXT7_SCHEMA = {
  type: 'object',
  properties: { context7CompatibleLibraryID: { type: 'string' }, topic: { type: 'string' }, tokens: { type: 'number' } },
  required: ['context7CompatibleLibraryID'],
};
const SEARCH_SCHEMA = { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] };

interface FakeTool {
  name: string;
  inputSchema?: object;
  /** What the tool answers: text, an error, or never. */
  answer?: string | Error | 'hang';
}

/**
 * A small working stand-in for the parts of `vscode` the investigator uses: `lm.tools`, `lm.invokeTool`
 * (recording every call), the text part class, cancellation tokens, and message prompts that answer from a
 * script and record what they showed.
 */
function fakeVscode(tools: FakeTool[], prompts: Array<string | undefined> = []) {
  const calls: Array<{ name: string; input: unknown; hadToken: boolean }> = [];
  const shown: Array<{ kind: 'warning' | 'information'; message: string; modal: boolean; detail?: string; buttons: string[] }> = [];
  class LanguageModelTextPart {
    constructor(readonly value: string) {}
  }
  class LanguageModelPromptTsxPart {
    constructor(readonly value: unknown) {}
  }
  class CancellationTokenSource {
    private listeners: Array<() => void> = [];
    token = {
      isCancellationRequested: false,
      onCancellationRequested: (l: () => void) => {
        this.listeners.push(l);
        return { dispose: () => undefined };
      },
    };
    cancel() {
      this.token.isCancellationRequested = true;
      for (const l of this.listeners) l();
    }
    dispose() {}
  }
  const prompt =
    (kind: 'warning' | 'information') =>
    async (message: string, ...rest: Array<{ modal?: boolean; detail?: string } | { title: string }>) => {
      const options = rest[0] && !('title' in rest[0]) ? (rest.shift() as { modal?: boolean; detail?: string }) : {};
      const buttons = rest as Array<{ title: string }>;
      shown.push({ kind, message, modal: !!options.modal, detail: options.detail, buttons: buttons.map((b) => b.title) });
      const pick = prompts.shift();
      return buttons.find((b) => b.title === pick);
    };
  const vscode = {
    LanguageModelTextPart,
    LanguageModelPromptTsxPart,
    CancellationTokenSource,
    window: { showWarningMessage: prompt('warning'), showInformationMessage: prompt('information') },
    lm: {
      tools: tools.map((t) => ({ name: t.name, description: '', tags: [], inputSchema: t.inputSchema })),
      invokeTool: async (name: string, options: { input: unknown; toolInvocationToken: unknown }, token?: { onCancellationRequested(l: () => void): unknown }) => {
        calls.push({ name, input: options.input, hadToken: !!token });
        const tool = tools.find((t) => t.name === name);
        if (!tool) throw new Error(`no tool ${name}`);
        if (tool.answer === 'hang') return new Promise(() => undefined);
        if (tool.answer instanceof Error) throw tool.answer;
        return { content: [new LanguageModelTextPart(tool.answer ?? `answer from ${name}`), new LanguageModelPromptTsxPart({ ignored: true })] };
      },
    },
  };
  return { vscode: vscode as unknown as VSCode, calls, shown };
}

let ws: string;
const HOST = 'billing.acme-internal.corp';

beforeAll(async () => {
  ws = await mkdtemp(join(tmpdir(), 'smokes-investigator-'));
  await mkdir(join(ws, 'shopcore'), { recursive: true });
  await writeFile(join(ws, 'shopcore/__init__.py'), '');
  await writeFile(
    join(ws, 'shopcore/gateway.py'),
    ['import json', '', '', 'def charge(amount):', `    url = "https://${HOST}/v1/charge"`, '    if amount < 0:', `        raise ValueError(f"cannot charge {amount} at {url}")`, '    return json.dumps({"amount": amount})', ''].join('\n'),
  );
});
afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

function failure(signature = 'sig-1'): Failure {
  const longrepr = [
    `${ws}/shopcore/gateway.py:7: in charge`,
    `    raise ValueError(f"cannot charge {amount} at {url}")`,
    `E   ValueError: cannot charge -5 at https://${HOST}/v1/charge (config ${ws}/settings.toml)`,
  ].join('\n');
  return {
    nodeid: 'tests/smoke/test_shop.py::test_smoke_charge',
    kind: 'failed',
    exceptionType: 'ValueError',
    location: { file: 'shopcore/gateway.py', line: 7 },
    message: `cannot charge -5 at https://${HOST}/v1/charge`,
    signature,
    longrepr,
  };
}

function context(over: Partial<InvestigationContext> = {}) {
  const events: Array<Extract<LoopEvent, { type: 'investigation' }>> = [];
  const f = failure();
  const ctx: InvestigationContext = {
    failure: f,
    workspace: ws,
    errorText: f.longrepr!,
    codeContext: null,
    pythonVersion: '3.11.7',
    signal: new AbortController().signal,
    log: silentLogger,
    emit: (e) => {
      if (e.type === 'investigation') events.push(structuredClone(e));
    },
    ...over,
  };
  return { ctx, events };
}

function settings(over: Partial<Settings['investigation']> = {}): Settings['investigation'] {
  return { ...defaultSettings.investigation, enabled: true, timeoutSeconds: 30, ...over };
}

const SERVER: McpServerConfig = { command: 'node', args: ['recorder.mjs'], env: {} };

/** A stand-in for the engine's MCP client that records what it was asked and honours `beforeSend`. */
function fakeServer(answer = 'answer from the configured server') {
  const asked: Array<{ helper: string; text: string; sent: boolean }> = [];
  const fn: typeof askMcpServer = async (o) => {
    const args = { topic: o.text };
    const go = o.beforeSend ? await o.beforeSend({ tool: 'get-library-docs', arguments: args }) : true;
    asked.push({ helper: o.helper, text: o.text, sent: go });
    if (!go) return { answer: null, error: DECLINED, tool: 'get-library-docs', arguments: args };
    return { answer, error: null, tool: 'get-library-docs', arguments: args };
  };
  return { fn, asked };
}

function textSent(input: unknown): string {
  return (input as { messages: Array<{ content: string }> }).messages[0]!.content;
}

describe('VscodeInvestigator', () => {
  it('finds the helpers among VS Code tools by prefixed name and never picks an unrelated tool', () => {
    const tools = [
      { name: 'copilot_searchCodebase', inputSchema: SEARCH_SCHEMA },
      { name: 'mcp_pplx_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA },
      { name: 'mcp_context7_get-library-docs', inputSchema: CONTEXT7_SCHEMA },
    ];
    expect(findHelperTool(tools, 'public')?.name).toBe('mcp_pplx_perplexity_ask');
    expect(findHelperTool(tools, 'private')?.name).toBe('mcp_context7_get-library-docs');
    expect(findHelperTool([tools[0]!], 'public')).toBeNull();
    expect(findHelperTool([tools[0]!], 'private')).toBeNull();
    // A configured tool name is matched with its prefix too; a plain word only as the whole name.
    expect(findHelperTool(tools, 'private', 'searchCodebase')?.name).toBe('mcp_context7_get-library-docs');
    expect(findHelperTool([{ name: 'mcp_docs_lookup_docs', inputSchema: SEARCH_SCHEMA }], 'private', 'lookup_docs')?.name).toBe('mcp_docs_lookup_docs');
  });

  it('calls the VS Code tool found by prefixed name with the payload text, emitting the payload first, then the answer', async () => {
    const f = fakeVscode([
      { name: 'copilot_searchCodebase', inputSchema: SEARCH_SCHEMA },
      { name: 'mcp_x_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA, answer: 'use a positive amount' },
    ]);
    const server = fakeServer();
    const investigator = new VscodeInvestigator(f.vscode, { settings: settings({ privateServer: SERVER }), workspace: ws, python: 'python3', log: silentLogger, askServer: server.fn });
    const { ctx, events } = context();
    const answers = await investigator.investigate(ctx);

    expect(answers).toEqual({ private: 'answer from the configured server', public: 'use a positive amount' });
    expect(f.calls.map((c) => c.name)).toEqual(['mcp_x_perplexity_ask']);
    expect(f.calls[0]!.hadToken).toBe(true);
    const sent = textSent(f.calls[0]!.input);
    expect(sent).toMatch(/^What does this Python error mean/);
    expect(sent).toContain('ValueError: cannot charge -5 at <url>');

    // The private helper had no VS Code tool: it went to the configured server, with the code around the frame.
    expect(server.asked.map((a) => a.helper)).toEqual(['private']);
    expect(server.asked[0]!.text).toContain('raise ValueError');

    expect(events.map((e) => [e.helper, e.server, e.answer !== null, e.error])).toEqual([
      ['private', 'node recorder.mjs', false, null],
      ['private', 'node recorder.mjs', true, null],
      ['public', 'VS Code tool mcp_x_perplexity_ask', false, null],
      ['public', 'VS Code tool mcp_x_perplexity_ask', true, null],
    ]);
    const publicShown = events[2]!.payload as ShownPayload;
    expect(publicShown.text).toBe(sent);
    expect(publicShown.tool).toBe('mcp_x_perplexity_ask');
    expect(publicShown.arguments).toEqual(f.calls[0]!.input);
    expect(events[3]!.answer).toBe('use a positive amount');
  });

  it('falls back to the configured servers when VS Code has no such tool', async () => {
    const f = fakeVscode([{ name: 'copilot_searchCodebase', inputSchema: SEARCH_SCHEMA }]);
    const server = fakeServer();
    const investigator = new VscodeInvestigator(f.vscode, {
      settings: settings({ privateServer: SERVER, publicServer: { ...SERVER, args: ['public.mjs'] } }),
      workspace: ws,
      python: 'python3',
      log: silentLogger,
      askServer: server.fn,
    });
    const { ctx, events } = context();
    const answers = await investigator.investigate(ctx);
    expect(f.calls).toEqual([]);
    expect(server.asked.map((a) => a.helper)).toEqual(['private', 'public']);
    expect(answers.public).toBe('answer from the configured server');
    expect(events.filter((e) => e.answer !== null).map((e) => e.server)).toEqual(['node recorder.mjs', 'node public.mjs']);
  });

  it('asks nobody (and builds nothing) when there is neither a tool nor a server', async () => {
    const f = fakeVscode([]);
    let built = 0;
    const investigator = new VscodeInvestigator(f.vscode, {
      settings: settings(),
      workspace: ws,
      python: 'python3',
      log: silentLogger,
      buildPayloads: async () => {
        built++;
        throw new Error('not expected');
      },
    });
    const { ctx, events } = context();
    expect(await investigator.investigate(ctx)).toEqual({ private: null, public: null });
    expect(built).toBe(0);
    expect(events).toEqual([]);
  });

  it('with confirmPayloads, shows the exact text in a modal and sends nothing when declined', async () => {
    const f = fakeVscode([{ name: 'mcp_x_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA }], ["Don't Send", "Don't Send"]);
    const server = fakeServer();
    const investigator = new VscodeInvestigator(f.vscode, {
      settings: settings({ confirmPayloads: true, privateServer: SERVER }),
      workspace: ws,
      python: 'python3',
      log: silentLogger,
      askServer: server.fn,
    });
    const { ctx, events } = context();
    const answers = await investigator.investigate(ctx);

    expect(answers).toEqual({ private: null, public: null });
    expect(f.calls).toEqual([]);
    expect(server.asked.map((a) => [a.helper, a.sent])).toEqual([['private', false]]);
    expect(f.shown.map((s) => [s.kind, s.modal, s.buttons])).toEqual([
      ['warning', true, ['Send', 'Show Payload', "Don't Send"]],
      ['warning', true, ['Send', 'Show Payload', "Don't Send"]],
    ]);
    // The modal shows exactly the text that would be sent.
    expect(f.shown[1]!.detail).toBe((events[2]!.payload as ShownPayload).text);
    expect(f.shown[1]!.message).toContain('public');
    expect(events.map((e) => [e.helper, e.answer, e.error])).toEqual([
      ['private', null, null],
      ['private', null, DECLINED],
      ['public', null, null],
      ['public', null, DECLINED],
    ]);
  });

  it('"Show Payload" opens the call as a read-only JSON document, then sends on "Send"', async () => {
    const f = fakeVscode([{ name: 'mcp_x_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA }], ['Show Payload', 'Send']);
    const opened: Array<{ path: string; content: string }> = [];
    const investigator = new VscodeInvestigator(f.vscode, {
      settings: settings({ confirmPayloads: true }),
      workspace: ws,
      python: 'python3',
      log: silentLogger,
      showDocument: async (path, content) => opened.push({ path, content }),
    });
    const { ctx } = context();
    const answers = await investigator.investigate(ctx);
    expect(answers.public).toBe('answer from mcp_x_perplexity_ask');
    expect(opened.map((o) => o.path)).toEqual(['/investigation/payload-public.json']);
    const doc = JSON.parse(opened[0]!.content);
    expect(doc.tool).toBe('mcp_x_perplexity_ask');
    expect(doc.arguments).toEqual(f.calls[0]!.input);
    expect(doc.text).toBe(textSent(f.calls[0]!.input));
    expect(f.shown.map((s) => [s.kind, s.modal])).toEqual([
      ['warning', true],
      ['information', false],
    ]);
  });

  it('never sends a workspace path, host name or the user\'s code to the public helper', async () => {
    const f = fakeVscode([{ name: 'mcp_x_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA }]);
    const investigator = new VscodeInvestigator(f.vscode, { settings: settings(), workspace: ws, python: 'python3', log: silentLogger });
    const { ctx, events } = context();
    await investigator.investigate(ctx);
    expect(f.calls).toHaveLength(1);
    const everything = JSON.stringify(f.calls[0]!.input) + JSON.stringify(events);
    expect(ctx.errorText).toContain(ws);
    expect(everything).not.toContain(ws);
    expect(everything).not.toContain(HOST);
    expect(everything).not.toContain('shopcore');
    expect(everything).not.toContain('settings.toml');
  });

  it('asks once per signature: a second call returns the first answers without calling again', async () => {
    const f = fakeVscode([{ name: 'mcp_x_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA }]);
    const investigator = new VscodeInvestigator(f.vscode, { settings: settings(), workspace: ws, python: 'python3', log: silentLogger });
    const first = await investigator.investigate(context().ctx);
    const again = await investigator.investigate(context().ctx);
    expect(again).toEqual(first);
    expect(f.calls).toHaveLength(1);
    await investigator.investigate(context({ failure: failure('sig-2') }).ctx);
    expect(f.calls).toHaveLength(2);
  });

  it('a tool that never answers times out into an error; a tool that throws becomes its message', async () => {
    const hang = fakeVscode([{ name: 'mcp_x_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA, answer: 'hang' }]);
    const slow = new VscodeInvestigator(hang.vscode, { settings: settings({ timeoutSeconds: 1 }), workspace: ws, python: 'python3', log: silentLogger });
    const { ctx, events } = context();
    expect(await slow.investigate(ctx)).toEqual({ private: null, public: null });
    expect(events.at(-1)!.error).toBe('No answer within 1s.');

    const broken = fakeVscode([{ name: 'mcp_x_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA, answer: new Error('rate limited') }]);
    const b = context();
    await new VscodeInvestigator(broken.vscode, { settings: settings(), workspace: ws, python: 'python3', log: silentLogger }).investigate(b.ctx);
    expect(b.events.at(-1)!.error).toBe('rate limited');
  });

  it('cancelling ends the call and rejects, so the loop stops', async () => {
    const f = fakeVscode([{ name: 'mcp_x_perplexity_ask', inputSchema: PERPLEXITY_SCHEMA, answer: 'hang' }]);
    const investigator = new VscodeInvestigator(f.vscode, { settings: settings(), workspace: ws, python: 'python3', log: silentLogger });
    const controller = new AbortController();
    const { ctx, events } = context({ signal: controller.signal });
    const pending = investigator.investigate(ctx);
    const started = new Promise<void>((resolve) => {
      const poll = () => (f.calls.length > 0 ? resolve() : setTimeout(poll, 10));
      poll();
    });
    await started;
    controller.abort();
    await expect(pending).rejects.toBeDefined();
    expect(events.at(-1)!.error).toBe('Cancelled.');
  });
});
