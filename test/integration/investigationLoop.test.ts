import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoop } from '../../src/core/loop';
import { settingsSchema } from '../../src/core/settings';
import { CommandProducer } from '../../src/producers/command';
import { McpInvestigator } from '../../src/core/investigation';
import type { LoopEvent, PatchRequest } from '../../src/core/types';
import { makeWorkspace, removeWorkspace } from './helpers/workspace';
import { isAlive } from './helpers/processes';

const RECORDER = join(__dirname, '..', 'fixtures', 'mcp-recorder');

const made: string[] = [];
afterEach(async () => {
  while (made.length) await removeWorkspace(made.pop()!);
});

interface Call {
  event: string;
  pid?: number;
  tool?: string;
  arguments?: { topic?: string; context7CompatibleLibraryID?: string; messages?: Array<{ role: string; content: string }> };
}

function jsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Every line of every Python file of the workspace, trimmed, long enough to mean something. */
async function workspaceCodeLines(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === '__pycache__' || e.name === 'artifacts') continue;
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.name.endsWith('.py')) out.push(...(await readFile(join(d, e.name), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l.length >= 10));
    }
  }
  await walk(dir);
  return out;
}

describe('assisted investigation inside the repair loop', () => {
  it('asks both helpers once per signature on attempt 3, sends only what each may see, and hands the answers to the producer', async () => {
    const dir = await makeWorkspace('pyproj-investigation');
    made.push(dir);
    const scratch = await mkdtemp(join(tmpdir(), 'sf-inv-records-'));
    made.push(scratch);
    const privateFile = join(scratch, 'private.jsonl');
    const publicFile = join(scratch, 'public.jsonl');
    const codeBefore = await workspaceCodeLines(dir);

    const settings = settingsSchema.parse({
      producer: 'command',
      investigation: {
        enabled: true,
        timeoutSeconds: 60,
        privateServer: { command: process.execPath, args: [join(RECORDER, 'server.mjs')], env: { MCP_RECORD_FILE: privateFile, MCP_RECORDER_TOOLS: 'context7' } },
        publicServer: { command: process.execPath, args: [join(RECORDER, 'server.mjs')], env: { MCP_RECORD_FILE: publicFile, MCP_RECORDER_TOOLS: 'perplexity' } },
      },
    });
    const investigator = new McpInvestigator({ settings: settings.investigation, workspace: dir, python: 'python3', log: silent() });
    const events: LoopEvent[] = [];
    const runLogs: string[] = [];
    // The loop stops as soon as one signature is exhausted (spec step 8), so each run works on one signature:
    // the first run on whichever comes first, the second on the other (the first excluded), the third on
    // the first again with the same investigator, which must not ask again.
    const run = async (n: number, excludedSignatures: string[]) => {
      const file = join(scratch, `requests-${n}.jsonl`);
      const producer = new CommandProducer({ command: `python3 ${join(RECORDER, 'record-requests.py')} ${file}`, cwd: dir, timeoutMs: 60_000 });
      const outcome = await runLoop({ workspace: dir, settings, producer, python: 'python3', investigator, excludedSignatures, onEvent: (e) => events.push(e) });
      // The run log holds one run (PRODUCT.md 21): keep each run's before the next one moves it aside.
      runLogs.push(await readFile(join(dir, 'artifacts', 'run-log.jsonl'), 'utf8'));
      expect(outcome.kind).toBe('escalated');
      if (outcome.kind === 'escalated') expect(outcome.reason).toBe('retry budget');
      return jsonLines<PatchRequest>(file);
    };
    const first = await run(1, []);
    const sigA = first[0]!.target.signature;
    const second = await run(2, [sigA]);
    const sigB = second[0]!.target.signature;
    expect(sigB).not.toBe(sigA);
    const third = await run(3, [sigB]);

    // The producer saw attempts 1–3 of one signature per run; only the third carried the answers.
    for (const [requests, sig] of [[first, sigA], [second, sigB], [third, sigA]] as const) {
      expect(requests.map((r) => [r.target.signature, r.attempt])).toEqual([[sig, 1], [sig, 2], [sig, 3]]);
      expect(requests[0]!.investigation).toBeNull();
      expect(requests[1]!.investigation).toBeNull();
      expect(requests[2]!.investigation).toEqual({
        private: expect.stringMatching(/^canned answer from get-library-docs: received \d+ characters$/),
        public: expect.stringMatching(/^canned answer from perplexity_ask: received \d+ characters$/),
      });
    }
    expect(third[2]!.investigation).toEqual(first[2]!.investigation);

    // Once per signature: one call per helper per signature, and each server ended afterwards.
    const privateCalls = jsonLines<Call>(privateFile).filter((c) => c.event === 'call');
    const publicCalls = jsonLines<Call>(publicFile).filter((c) => c.event === 'call');
    expect(privateCalls).toHaveLength(2);
    expect(publicCalls).toHaveLength(2);
    for (const start of [...jsonLines<Call>(privateFile), ...jsonLines<Call>(publicFile)].filter((c) => c.event === 'start')) {
      expect(isAlive(start.pid!)).toBe(false);
    }

    // Private: the error and at most 40 numbered lines around the top frame in the user's code.
    expect(privateCalls.map((c) => c.tool)).toEqual(['get-library-docs', 'get-library-docs']);
    const privateTexts = privateCalls.map((c) => c.arguments!.topic!);
    for (const text of privateTexts) {
      const numbered = text.split('\n').filter((l) => /^\s*\d+ \| /.test(l));
      expect(numbered.length).toBeGreaterThan(0);
      expect(numbered.length).toBeLessThanOrEqual(40);
    }
    const settingsText = privateTexts.find((t) => t.includes('JSONDecodeError'))!;
    expect(settingsText).toContain('Code around shopcore/settings_loader.py:39:');
    expect(settingsText).toMatch(/^39 \| {5}return json\.loads\(text\)$/m);
    expect(settingsText).not.toContain('DEFAULT_OPTION_01 '); // the 71-line file was cut to 40 lines around line 39
    const gatewayText = privateTexts.find((t) => t.includes('ConnectionError'))!;
    expect(gatewayText).toContain('Code around shopcore/gateway.py:12:');
    expect(gatewayText).toContain('API_TOKEN = "sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"');

    // Public: error text, public names and versions only.
    expect(publicCalls.map((c) => c.tool)).toEqual(['perplexity_ask', 'perplexity_ask']);
    const publicTexts = publicCalls.map((c) => c.arguments!.messages![0]!.content);
    const code = [...new Set([...codeBefore, ...(await workspaceCodeLines(dir))])];
    for (const text of publicTexts) {
      expect(text).not.toContain(dir);
      expect(text).not.toMatch(/shopcore/i);
      for (const line of code) expect(text, `code line ${line}`).not.toContain(line);
      for (const secret of ['db7.internal.corp', '10.20.30.40', 'ops@shop.example', 'sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'settings_loader', 'test_smoke']) {
        expect(text).not.toContain(secret);
      }
      expect(text).toMatch(/Versions: Python \d+\.\d+\.\d+/);
    }
    const jsonText = publicTexts.find((t) => t.includes('JSONDecodeError'))!;
    expect(jsonText).toContain("json.decoder.JSONDecodeError: Expecting ',' delimiter");
    expect(jsonText).toMatch(/Symbols involved: .*json\.loads.*json\.decoder\.JSONDecodeError/);
    const gatewayPublic = publicTexts.find((t) => t.includes('ConnectionError'))!;
    expect(gatewayPublic).toContain('ConnectionError: <module> cannot reach <host> (<ip>) as <email> with token=<secret> from <path>\n');

    // The exact payloads are in the events and the run log, and equal what the servers received.
    const shown = events.filter((e): e is Extract<LoopEvent, { type: 'investigation' }> => e.type === 'investigation');
    expect(shown.map((e) => e.helper)).toEqual(['private', 'public', 'private', 'public']);
    expect(shown.every((e) => e.error === null && e.answer !== null)).toBe(true);
    expect(shown.filter((e) => e.helper === 'public').map((e) => (e.payload as { arguments: unknown }).arguments)).toEqual(publicCalls.map((c) => c.arguments));
    expect(shown.filter((e) => e.helper === 'private').map((e) => (e.payload as { arguments: unknown }).arguments)).toEqual(privateCalls.map((c) => c.arguments));
    const runLog = runLogs.join('');
    for (const c of publicCalls) expect(runLog).toContain(JSON.stringify(c.arguments!.messages![0]!.content));
  }, 240_000);
});

function silent() {
  return { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
}
