import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askMcpServer, pickTool, toolArguments } from '../../src/core/investigation/mcpClient';
import { McpInvestigator } from '../../src/core/investigation';
import { ProcessTracker } from '../../src/core/processes';
import { settingsSchema, type McpServerConfig } from '../../src/core/settings';
import type { Failure, Logger, LoopEvent } from '../../src/core/types';
import { isAlive } from './helpers/processes';

const SERVER = join(__dirname, '..', 'fixtures', 'mcp-recorder', 'server.mjs');

interface Record {
  event: 'start' | 'call';
  pid?: number;
  envKeys?: string[];
  tool?: string;
  arguments?: { [key: string]: unknown };
}

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

async function recordFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-mcp-'));
  dirs.push(dir);
  return join(dir, 'calls.jsonl');
}

async function records(file: string): Promise<Record[]> {
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record);
}

function server(file: string, env: { [key: string]: string } = {}, tool?: string): McpServerConfig {
  return { command: process.execPath, args: [SERVER], env: { MCP_RECORD_FILE: file, ...env }, ...(tool ? { tool } : {}) };
}

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (m: string) => void lines.push(`${level}: ${m}`);
  return { lines, trace: put('trace'), debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !isAlive(pid);
}

describe('the MCP client against a real stdio server', () => {
  it('calls perplexity_ask with messages and returns the answer', async () => {
    const file = await recordFile();
    const log = memoryLog();
    const text = 'What does this Python error mean?\n\nValueError: bad value';
    const result = await askMcpServer({ server: server(file), helper: 'public', text, timeoutMs: 30_000, log });

    expect(result.error).toBeNull();
    expect(result.tool).toBe('perplexity_ask');
    const sent = { messages: [{ role: 'user', content: text }] };
    expect(result.arguments).toEqual(sent);
    expect(result.answer).toBe(`canned answer from perplexity_ask: received ${JSON.stringify(sent).length} characters`);
    const calls = (await records(file)).filter((r) => r.event === 'call');
    expect(calls).toEqual([{ event: 'call', tool: 'perplexity_ask', arguments: sent }]);
    const start = (await records(file)).find((r) => r.event === 'start')!;
    expect(await gone(start.pid!)).toBe(true);
  });

  it('calls context7 get-library-docs with the text in its topic and required id', async () => {
    const file = await recordFile();
    const text = 'A pytest smoke test fails with this error.\n\nKeyError: 42';
    const result = await askMcpServer({ server: server(file, { MCP_RECORDER_TOOLS: 'context7' }), helper: 'private', text, timeoutMs: 30_000, log: memoryLog() });

    expect(result.error).toBeNull();
    expect(result.tool).toBe('get-library-docs');
    const calls = (await records(file)).filter((r) => r.event === 'call');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.arguments).toEqual({ topic: text, context7CompatibleLibraryID: text });
  });

  it('calls the configured tool by name, and reports a missing one without calling anything', async () => {
    const file = await recordFile();
    const ok = await askMcpServer({ server: server(file, {}, 'resolve-library-id'), helper: 'private', text: 'requests', timeoutMs: 30_000, log: memoryLog() });
    expect(ok.tool).toBe('resolve-library-id');
    expect(ok.arguments).toEqual({ libraryName: 'requests' });

    const log = memoryLog();
    const missing = await askMcpServer({ server: server(file, {}, 'no_such_tool'), helper: 'private', text: 'x', timeoutMs: 30_000, log });
    expect(missing.answer).toBeNull();
    expect(missing.error).toContain('no tool named "no_such_tool"');
    expect(missing.error).toContain('perplexity_ask');
    expect((await records(file)).filter((r) => r.event === 'call')).toHaveLength(1);
    expect(log.lines.some((l) => l.startsWith('warn:') && l.includes('no_such_tool'))).toBe(true);
  });

  it('passes a minimal environment plus the configured variables, nothing else of ours', async () => {
    const file = await recordFile();
    process.env.SF_TEST_PARENT_SECRET = 'do-not-leak';
    try {
      await askMcpServer({ server: server(file, { SF_CONFIGURED: '1' }), helper: 'public', text: 'x', timeoutMs: 30_000, log: memoryLog() });
    } finally {
      delete process.env.SF_TEST_PARENT_SECRET;
    }
    const start = (await records(file)).find((r) => r.event === 'start')!;
    expect(start.envKeys).toContain('SF_CONFIGURED');
    expect(start.envKeys).toContain('PATH');
    expect(start.envKeys).not.toContain('SF_TEST_PARENT_SECRET');
  });

  it('times out on a hanging server, returns null and ends the server process', async () => {
    const file = await recordFile();
    const log = memoryLog();
    const tracker = new ProcessTracker();
    const result = await askMcpServer({ server: server(file, { MCP_RECORDER_MODE: 'hang' }), helper: 'public', text: 'x', timeoutMs: 4_000, log, tracker });

    expect(result.answer).toBeNull();
    expect(result.error).toMatch(/No answer within 4s/);
    expect(result.tool).toBe('perplexity_ask');
    expect(log.lines.some((l) => l.startsWith('warn:') && l.includes('No answer within'))).toBe(true);
    const recs = await records(file);
    expect(recs.filter((r) => r.event === 'call')).toHaveLength(1); // it was called, and never answered
    const pid = recs.find((r) => r.event === 'start')!.pid!;
    expect(await gone(pid)).toBe(true);
    expect(tracker.size).toBe(0);
  });

  it('stops when the caller cancels, and ends the server', async () => {
    const file = await recordFile();
    const controller = new AbortController();
    const pending = askMcpServer({ server: server(file, { MCP_RECORDER_MODE: 'hang' }), helper: 'public', text: 'x', timeoutMs: 60_000, signal: controller.signal, log: memoryLog() });
    for (let i = 0; i < 200 && !(await records(file)).some((r) => r.event === 'call'); i++) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const result = await pending;
    expect(result.answer).toBeNull();
    expect(result.error).toBe('Cancelled.');
    expect(await gone((await records(file)).find((r) => r.event === 'start')!.pid!)).toBe(true);
  });

  it('turns a tool error into a null answer and logs it', async () => {
    const file = await recordFile();
    const log = memoryLog();
    const result = await askMcpServer({ server: server(file, { MCP_RECORDER_MODE: 'fail' }), helper: 'public', text: 'x', timeoutMs: 30_000, log });
    expect(result.answer).toBeNull();
    expect(result.error).toContain('recorder failure for perplexity_ask');
    expect(log.lines.some((l) => l.startsWith('warn:') && l.includes('recorder failure'))).toBe(true);
  });

  it('turns a server that dies at start, or a command that does not exist, into a null answer', async () => {
    const file = await recordFile();
    const log = memoryLog();
    const crashed = await askMcpServer({ server: server(file, { MCP_RECORDER_MODE: 'crash' }), helper: 'private', text: 'x', timeoutMs: 30_000, log });
    expect(crashed.answer).toBeNull();
    expect(crashed.error).toBeTruthy();
    expect(crashed.tool).toBeNull();

    const missing = await askMcpServer({ server: { command: '/nonexistent/mcp-server', args: [], env: {} }, helper: 'public', text: 'x', timeoutMs: 30_000, log });
    expect(missing.answer).toBeNull();
    expect(missing.error).toBeTruthy();
    expect(log.lines.filter((l) => l.startsWith('warn:'))).toHaveLength(2);
  });
});

describe('tool choice and arguments', () => {
  const tool = (name: string, properties: { [key: string]: object }, required: string[] = []) => ({ name, inputSchema: { type: 'object' as const, properties, required } });

  it('prefers the known names, else the first tool that takes text', () => {
    const tools = [tool('stats', { n: { type: 'number' } }), tool('lookup', { term: { type: 'string' } }), tool('perplexity_ask', { messages: { type: 'array' } })];
    expect(pickTool(tools, { helper: 'public' })?.name).toBe('perplexity_ask');
    expect(pickTool(tools, { helper: 'private' })?.name).toBe('lookup');
    expect(pickTool([tools[0]!], { helper: 'private' })).toBeNull();
    // As VS Code lists MCP tools: with a server prefix.
    expect(pickTool([tool('mcp_context7_get-library-docs', { topic: { type: 'string' } }), tool('mcp_p_perplexity_ask', { messages: { type: 'array' } })], { helper: 'public' })?.name).toBe('mcp_p_perplexity_ask');
  });

  it('fills messages, a text property or the first string property', () => {
    expect(toolArguments(tool('a', { messages: { type: 'array' } }), 't')).toEqual({ messages: [{ role: 'user', content: 't' }] });
    expect(toolArguments(tool('b', { limit: { type: 'number' }, query: { type: 'string' } }), 't')).toEqual({ query: 't' });
    expect(toolArguments(tool('c', { term: { type: ['string', 'null'] } }), 't')).toEqual({ term: 't' });
  });
});

describe('McpInvestigator with real servers', () => {
  const failure: Failure = {
    nodeid: 'tests/test_x.py::test_x',
    kind: 'failed',
    exceptionType: 'ValueError',
    location: null,
    message: 'bad value',
    signature: 'tests/test_x.py::test_x|ValueError|?|bad value',
  };

  function investigator(file: string, over: object = {}, confirm?: (p: { helper: 'private' | 'public'; server: string; payload: unknown }) => Promise<boolean>) {
    const settings = settingsSchema.parse({
      investigation: { enabled: true, timeoutSeconds: 30, privateServer: server(file, { MCP_RECORDER_TOOLS: 'context7' }), publicServer: server(file, { MCP_RECORDER_TOOLS: 'perplexity' }), ...over },
    }).investigation;
    return new McpInvestigator({ settings, workspace: tmpdir(), python: 'python3', log: memoryLog(), confirm });
  }

  async function call(inv: McpInvestigator, sig = failure.signature) {
    const events: LoopEvent[] = [];
    const answers = await inv.investigate({
      failure: { ...failure, signature: sig },
      workspace: tmpdir(),
      errorText: 'E   ValueError: bad value',
      codeContext: null,
      pythonVersion: '3.11.7',
      signal: new AbortController().signal,
      log: memoryLog(),
      emit: (e) => events.push(e),
    });
    return { answers, events: events.filter((e): e is Extract<LoopEvent, { type: 'investigation' }> => e.type === 'investigation') };
  }

  it('asks both helpers once per signature and emits what it sent', async () => {
    const file = await recordFile();
    const inv = investigator(file);
    const first = await call(inv);
    expect(first.answers.private).toMatch(/^canned answer from get-library-docs/);
    expect(first.answers.public).toMatch(/^canned answer from perplexity_ask/);
    expect(first.events.map((e) => [e.helper, e.error])).toEqual([['private', null], ['public', null]]);
    const again = await call(inv);
    expect(again.answers).toEqual(first.answers);
    expect(again.events).toHaveLength(0);
    expect((await records(file)).filter((r) => r.event === 'call')).toHaveLength(2);
  });

  it('with confirmPayloads shows each payload before sending and sends only what is confirmed', async () => {
    const file = await recordFile();
    const seen: string[] = [];
    let shownBefore = 0;
    const inv = investigator(file, { confirmPayloads: true }, async (p) => {
      seen.push(p.helper);
      shownBefore = (await records(file)).filter((r) => r.event === 'call').length;
      return p.helper === 'public';
    });
    const { answers, events } = await call(inv);
    expect(seen).toEqual(['private', 'public']);
    expect(shownBefore).toBe(0); // the public payload was confirmed before anything was sent
    expect(answers.private).toBeNull();
    expect(answers.public).toMatch(/perplexity_ask/);
    // private: shown, then declined; public: shown, then answered.
    expect(events.map((e) => [e.helper, e.answer !== null, e.error])).toEqual([
      ['private', false, null],
      ['private', false, 'Not sent: the payload was declined.'],
      ['public', false, null],
      ['public', true, null],
    ]);
    const calls = (await records(file)).filter((r) => r.event === 'call');
    expect(calls.map((c) => c.tool)).toEqual(['perplexity_ask']);
    const shown = events[2]!.payload as { arguments: unknown };
    expect(calls[0]!.arguments).toEqual(shown.arguments);
  });

  it('does nothing when disabled', async () => {
    const file = await recordFile();
    const { answers, events } = await call(investigator(file, { enabled: false }));
    expect(answers).toEqual({ private: null, public: null });
    expect(events).toHaveLength(0);
    expect(await records(file)).toHaveLength(0);
  });
});
