import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SmokesError } from '../../src/core/errors';
import { ProcessTracker } from '../../src/core/processes';
import { defaultSettings, type Settings } from '../../src/core/settings';
import type { Logger, PatchRequest, ProducerContext } from '../../src/core/types';
import { CommandProducer } from '../../src/producers/command';
import { createProducer } from '../../src/producers/index';
import { ManualProducer, waitForEnterOrChange } from '../../src/producers/manual';
import { OpenAIProducer } from '../../src/producers/openai';
import { isAlive } from './helpers/processes';

const DIFF = [
  'diff --git a/app/calc.py b/app/calc.py',
  '--- a/app/calc.py',
  '+++ b/app/calc.py',
  '@@ -1,2 +1,2 @@',
  ' def add(a, b):',
  '-    return a - b',
  '+    return a + b',
  '',
].join('\n');

function request(overrides: Partial<PatchRequest> = {}): PatchRequest {
  return {
    schema: 'smokes-fixer/patch-request@1',
    workspace: '/tmp/ws',
    attempt: 2,
    target: {
      nodeid: 'tests/smoke/test_calc.py::test_smoke_add',
      exceptionType: 'AssertionError',
      location: { file: 'app/calc.py', line: 2 },
      message: 'assert -1 == 3',
      signature: 'tests/smoke/test_calc.py::test_smoke_add|AssertionError|app/calc.py:2|assert -1 == 3',
    },
    pytest: { command: 'pytest -q tests/smoke -k smoke --maxfail=3 -rf --tb=short', exitCode: 1, output: 'E   assert -1 == 3\n'.repeat(1000) },
    codeContext: { file: 'app/calc.py', startLine: 1, text: 'def add(a, b):\n    return a - b\n' },
    relatedSources: [{ file: 'app/calc.py', text: 'def add(a, b):\n    return a - b\n' }],
    limits: { maxFiles: 5, maxChangedLines: 200 },
    allowTestEdits: false,
    previousAttempts: [],
    investigation: null,
    instructions: 'Make tests/smoke/test_calc.py::test_smoke_add pass.',
    ...overrides,
  };
}

interface Recorded {
  ctx: ProducerContext;
  output: string[];
  logs: string[];
  tracker: ProcessTracker;
  controller: AbortController;
}

function context(): Recorded {
  const output: string[] = [];
  const logs: string[] = [];
  const log = (m: string) => void logs.push(m);
  const logger: Logger = { trace: log, debug: log, info: log, warn: log, error: log };
  const tracker = new ProcessTracker();
  const controller = new AbortController();
  return {
    ctx: { signal: controller.signal, log: logger, tracker, onOutput: (t) => void output.push(t) },
    output,
    logs,
    tracker,
    controller,
  };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function readPid(file: string): Promise<number> {
  let text = '';
  await waitUntil(async () => {
    text = await fs.readFile(file, 'utf8').catch(() => '');
    return /^\d+\s*$/.test(text);
  }, `${file} to hold a pid`);
  return Number(text.trim());
}

// ---------------------------------------------------------------------------------------------

describe('CommandProducer', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sf-command-'));
    await fs.writeFile(
      path.join(dir, 'prose.sh'),
      ['#!/bin/sh', 'cat > /dev/null', 'echo "Sure! Here is the fix:"', 'echo', "echo '```diff'", `printf '%s' '${DIFF}'`, "echo '```'", 'echo "It swaps the operator."', ''].join('\n'),
      { mode: 0o755 },
    );
    await fs.writeFile(
      path.join(dir, 'echo_request.py'),
      [
        'import json, os, sys',
        'request = json.load(sys.stdin)',
        'print("reading request", file=sys.stderr)',
        'print("nodeid=" + request["target"]["nodeid"])',
        'print("attempt=" + str(request["attempt"]) + " env=" + os.environ["SMOKES_FIXER_ATTEMPT"])',
        'print("signature=" + os.environ["SMOKES_FIXER_SIGNATURE"])',
        'print("output_chars=" + str(len(request["pytest"]["output"])))',
        'print("cwd=" + os.getcwd())',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const producer = (command: string, timeoutMs = 30_000) => new CommandProducer({ command, cwd: dir, timeoutMs });

  it('returns the raw answer, prose and fence included, for the loop to extract the diff from', async () => {
    const r = context();
    const result = await producer('./prose.sh').propose(request(), r.ctx);
    expect(result.kind).toBe('answer');
    if (result.kind !== 'answer') return;
    expect(result.text).toContain('Sure! Here is the fix:');
    expect(result.text).toContain('```diff\n' + DIFF + '```');
    expect(r.tracker.size).toBe(0);
  });

  it('writes the JSON request to stdin, sets the environment, runs in the workspace and streams stderr', async () => {
    const r = context();
    const result = await producer('python3 echo_request.py').propose(request(), r.ctx);
    expect(result.kind).toBe('answer');
    if (result.kind !== 'answer') return;
    const realDir = await fs.realpath(dir);
    expect(result.text).toContain('nodeid=tests/smoke/test_calc.py::test_smoke_add\n');
    expect(result.text).toContain('attempt=2 env=2\n');
    expect(result.text).toContain('signature=tests/smoke/test_calc.py::test_smoke_add|AssertionError|app/calc.py:2|assert -1 == 3\n');
    expect(result.text).toContain(`output_chars=${request().pytest.output.length}\n`);
    expect(result.text).toContain(`cwd=${realDir}\n`);
    expect(r.output.join('')).toContain('reading request');
    expect(r.logs.some((l) => l.includes('reading request'))).toBe(true);
  });

  it('spends the attempt on a non-zero exit, quoting the exit code and the last stderr line', async () => {
    const r = context();
    const result = await producer(`cat >/dev/null; echo '${'partial'}'; echo 'model unavailable' >&2; exit 1`).propose(request(), r.ctx);
    expect(result).toEqual({ kind: 'none', reason: 'the producer command exited with code 1: model unavailable' });
  });

  it('reads exit 3 as nothing left to offer', async () => {
    const r = context();
    const result = await producer('exit 3').propose(request(), r.ctx);
    expect(result.kind).toBe('exhausted');
    expect(result.kind === 'exhausted' && result.reason).toContain('exit 3');
  });

  it('spends the attempt on an empty answer', async () => {
    const r = context();
    const result = await producer("cat >/dev/null; printf '  \\n\\n'").propose(request(), r.ctx);
    expect(result).toEqual({ kind: 'none', reason: 'the producer command gave an empty answer' });
  });

  it("stops on a command that cannot start (exit 127, 126, spawn error) with the shell's message, as a set-up error", async () => {
    const r = context();
    const notFound = await producer('no-such-producer-command --json').propose(request(), r.ctx).then(() => null, (e: unknown) => e);
    expect(notFound).toBeInstanceOf(SmokesError);
    expect((notFound as SmokesError).code).toBe('producer-unavailable');
    expect((notFound as SmokesError).message).toMatch(/"no-such-producer-command --json" cannot start \(exit 127.*no-such-producer-command.*not found/);
    expect((notFound as SmokesError).hint).toContain('--producer-command');

    await fs.writeFile(path.join(dir, 'not-executable.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const notExecutable = await producer('./not-executable.sh').propose(request(), r.ctx).then(() => null, (e: unknown) => e);
    expect((notExecutable as SmokesError).code).toBe('producer-unavailable');
    expect((notExecutable as SmokesError).message).toMatch(/exit 126/);

    const missingCwd = new CommandProducer({ command: 'true', cwd: path.join(dir, 'missing'), timeoutMs: 30_000 });
    const second = await missingCwd.propose(request(), r.ctx).then(() => null, (e: unknown) => e);
    expect((second as SmokesError).code).toBe('producer-unavailable');
    expect((second as SmokesError).message).toMatch(/cannot start \(.*missing/);
  });

  it('ends the whole process group when the command runs over its time', async () => {
    const r = context();
    const pidFile = path.join(dir, 'timeout-child.pid');
    const result = await producer(`sleep 60 & echo $! > ${pidFile}; sleep 60`, 700).propose(request(), r.ctx);
    expect(result).toEqual({ kind: 'none', reason: 'the producer command timed out after 0.7s' });
    const child = await readPid(pidFile);
    await waitUntil(() => !isAlive(child), 'the background child to end');
    expect(r.tracker.size).toBe(0);
  });

  it('is cancelled by the AbortSignal, ending its children, and says so', async () => {
    const r = context();
    const pidFile = path.join(dir, 'cancel-child.pid');
    const pending = producer(`sleep 60 & echo $! > ${pidFile}; sleep 60`).propose(request(), r.ctx);
    const child = await readPid(pidFile);
    r.controller.abort();
    const error = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SmokesError);
    expect((error as SmokesError).code).toBe('cancelled');
    await waitUntil(() => !isAlive(child), 'the background child to end');
    expect(r.tracker.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('OpenAIProducer against a local chat-completions server', () => {
  let server: http.Server;
  let baseUrl: string;
  let seen: Seen[];
  let respond: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  const completion = (content: string) =>
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'local-coder',
      choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        respond(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    seen = [];
  });

  const json = (status: number, body: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  };

  const producer = (o: { apiKey?: string | null; timeoutMs?: number } = {}) =>
    new OpenAIProducer({ baseUrl, model: 'local-coder', apiKey: o.apiKey === undefined ? 'sk-test' : o.apiKey, timeoutMs: o.timeoutMs ?? 30_000, apiKeyEnv: 'SMOKES_TEST_KEY' });

  it('sends a deterministic chat-completions request and returns the message content', async () => {
    respond = json(200, completion('```diff\n' + DIFF + '```'));
    const r = context();
    const result = await producer().propose(request(), r.ctx);
    expect(result).toEqual({ kind: 'answer', text: '```diff\n' + DIFF + '```' });

    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/v1/chat/completions');
    expect(seen[0].headers.authorization).toBe('Bearer sk-test');
    expect(seen[0].headers['content-type']).toContain('application/json');
    const body = JSON.parse(seen[0].body);
    expect(body.model).toBe('local-coder');
    expect(body.temperature).toBe(0);
    expect(body.top_p).toBe(0);
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0].content).toMatch(/unified git diff/);
    expect(body.messages[1].content).toContain('tests/smoke/test_calc.py::test_smoke_add');
    expect(body.messages[1].content).toContain('pytest -q tests/smoke -k smoke --maxfail=3 -rf --tb=short');
  });

  it('sends no Authorization header without a key, and reads content given as parts', async () => {
    respond = json(
      200,
      JSON.stringify({ choices: [{ message: { role: 'assistant', content: [{ type: 'text', text: 'diff --git ' }, { type: 'text', text: 'a/x b/x\n' }] } }] }),
    );
    const result = await producer({ apiKey: null }).propose(request(), context().ctx);
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(result).toEqual({ kind: 'answer', text: 'diff --git a/x b/x\n' });
  });

  it('explains a 401 with the API key variable', async () => {
    respond = json(401, JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
    const result = await producer().propose(request(), context().ctx);
    expect(result.kind).toBe('none');
    const reason = result.kind === 'none' ? result.reason : '';
    expect(reason).toContain('HTTP 401');
    expect(reason).toContain('Incorrect API key provided');
    expect(reason).toContain('SMOKES_TEST_KEY');
  });

  it('explains a 404 with the base URL and model', async () => {
    respond = json(404, JSON.stringify({ error: { message: 'model "local-coder" not found' } }));
    const result = await producer().propose(request(), context().ctx);
    const reason = result.kind === 'none' ? result.reason : '';
    expect(reason).toContain('HTTP 404');
    expect(reason).toContain('openaiBaseUrl');
    expect(reason).toContain('openaiModel');
  });

  it('spends the attempt on a server error or rate limit', async () => {
    respond = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('upstream exploded');
    };
    const failed = await producer().propose(request(), context().ctx);
    expect(failed.kind).toBe('none');
    expect(failed.kind === 'none' && failed.reason).toMatch(/HTTP 500 \(upstream exploded\)/);

    respond = json(429, JSON.stringify({ error: { message: 'Rate limit reached' } }));
    const limited = await producer().propose(request(), context().ctx);
    expect(limited.kind === 'none' && limited.reason).toMatch(/HTTP 429.*Rate limit reached.*rate limited/);
  });

  it('spends the attempt on malformed JSON or a missing message', async () => {
    respond = json(200, '{"choices": [');
    const malformed = await producer().propose(request(), context().ctx);
    expect(malformed.kind === 'none' && malformed.reason).toMatch(/not JSON/);

    respond = json(200, JSON.stringify({ choices: [] }));
    const empty = await producer().propose(request(), context().ctx);
    expect(empty.kind === 'none' && empty.reason).toMatch(/no choices\[0\]\.message\.content/);

    respond = json(200, completion('   '));
    const blank = await producer().propose(request(), context().ctx);
    expect(blank).toEqual({ kind: 'none', reason: 'the model gave an empty answer' });
  });

  it('gives up on an answer slower than its timeout', async () => {
    respond = (_req, res) => {
      const t = setTimeout(() => json(200, completion(DIFF))(_req, res), 20_000);
      res.on('close', () => clearTimeout(t));
    };
    const result = await producer({ timeoutMs: 400 }).propose(request(), context().ctx);
    expect(result.kind).toBe('none');
    expect(result.kind === 'none' && result.reason).toMatch(/timed out after 0\.4s/);
  });

  it('reports a refused connection readably', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const p = new OpenAIProducer({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', apiKey: null, timeoutMs: 30_000 });
    const result = await p.propose(request(), context().ctx);
    expect(result.kind).toBe('none');
    expect(result.kind === 'none' && result.reason).toMatch(/could not reach .*ECONNREFUSED/);
  });

  it('rethrows cancellation instead of spending the attempt', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    respond = (_req, res) => {
      arrived();
      const t = setTimeout(() => json(200, completion(DIFF))(_req, res), 20_000);
      res.on('close', () => clearTimeout(t));
    };
    const r = context();
    const pending = producer().propose(request(), r.ctx);
    await requestArrived;
    r.controller.abort();
    const error = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SmokesError);
    expect((error as SmokesError).code).toBe('cancelled');
  });
});

// ---------------------------------------------------------------------------------------------

describe('ManualProducer', () => {
  const CALC = 'def add(a, b):\n    return a - b\n\n\ndef label():\n    return "résumé ✓"'; // no final newline, non-ASCII
  const OLD = 'OBSOLETE = True\r\n'; // CRLF must come back exactly
  let workspace: string;

  beforeEach(async () => {
    workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'sf-manual-'));
    await fs.mkdir(path.join(workspace, 'app'));
    await fs.mkdir(path.join(workspace, 'artifacts'));
    await fs.writeFile(path.join(workspace, 'app', 'calc.py'), CALC);
    await fs.writeFile(path.join(workspace, 'app', 'old.py'), OLD, { mode: 0o755 });
    await fs.writeFile(path.join(workspace, '.gitignore'), '*.log\n');
    git(workspace, 'init', '-q');
    git(workspace, 'add', '-A');
    git(workspace, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'start');
  });

  afterEach(async () => {
    await fs.rm(workspace, { recursive: true, force: true });
  });

  function git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  it('hands over the edit as a diff that applies, and puts the files back byte for byte', async () => {
    const edited = CALC.replace('a - b', 'a + b');
    const waiter = waitForEnterOrChange(workspace, {
      onPrompt: () => {
        // The person edits, creates and deletes; the loop's own folders and ignored files do not count.
        void (async () => {
          await fs.writeFile(path.join(workspace, 'app', 'calc.py'), edited);
          await fs.mkdir(path.join(workspace, 'app', 'helpers'));
          await fs.writeFile(path.join(workspace, 'app', 'helpers', 'new.py'), 'VALUE = 1\n');
          await fs.rm(path.join(workspace, 'app', 'old.py'));
          await fs.writeFile(path.join(workspace, 'artifacts', 'smoke.xml'), '<testsuites/>');
          await fs.writeFile(path.join(workspace, 'debug.log'), 'noise\n');
        })();
      },
    });
    const r = context();
    const result = await new ManualProducer({ workspace, waitFor: waiter }).propose(request(), r.ctx);
    expect(result.kind).toBe('answer');
    const diff = result.kind === 'answer' ? result.text : '';

    expect(diff).toMatch(/^diff --git a\/app\/calc.py b\/app\/calc.py\nindex [0-9a-f]+\.\.[0-9a-f]+ 100644\n--- a\/app\/calc.py\n\+\+\+ b\/app\/calc.py\n/m);
    expect(diff).toContain('-    return a - b\n+    return a + b\n');
    expect(diff).toMatch(/^diff --git a\/app\/helpers\/new.py b\/app\/helpers\/new.py\nnew file mode 100644\nindex 0+\.\.[0-9a-f]+\n--- \/dev\/null\n\+\+\+ b\/app\/helpers\/new.py\n/m);
    expect(diff).toMatch(/^diff --git a\/app\/old.py b\/app\/old.py\ndeleted file mode 100755\nindex [0-9a-f]+\.\.0+\n--- a\/app\/old.py\n\+\+\+ \/dev\/null\n/m);
    expect(diff).not.toContain('artifacts/');
    expect(diff).not.toContain('debug.log');
    expect(r.output.join('')).toContain('tests/smoke/test_calc.py::test_smoke_add');

    // Put back exactly: content, mode, no leftovers; the loop's own files stay.
    expect(await fs.readFile(path.join(workspace, 'app', 'calc.py'))).toEqual(Buffer.from(CALC));
    expect(await fs.readFile(path.join(workspace, 'app', 'old.py'))).toEqual(Buffer.from(OLD));
    expect((await fs.stat(path.join(workspace, 'app', 'old.py'))).mode & 0o777).toBe(0o755);
    await expect(fs.stat(path.join(workspace, 'app', 'helpers'))).rejects.toThrow();
    expect(await fs.readFile(path.join(workspace, 'artifacts', 'smoke.xml'), 'utf8')).toBe('<testsuites/>');
    expect(git(workspace, 'status', '--porcelain', '--', 'app')).toBe('');

    // The diff is a real patch: git applies it and gets the person's edit back.
    const patchFile = path.join(os.tmpdir(), `sf-manual-${process.pid}-${Date.now()}.diff`);
    await fs.writeFile(patchFile, diff);
    try {
      git(workspace, 'apply', '--check', patchFile);
      git(workspace, 'apply', patchFile);
    } finally {
      await fs.rm(patchFile, { force: true });
    }
    expect(await fs.readFile(path.join(workspace, 'app', 'calc.py'), 'utf8')).toBe(edited);
    expect(await fs.readFile(path.join(workspace, 'app', 'helpers', 'new.py'), 'utf8')).toBe('VALUE = 1\n');
    await expect(fs.stat(path.join(workspace, 'app', 'old.py'))).rejects.toThrow();
  });

  it('gives none when Enter is pressed without an edit', async () => {
    const input = new PassThrough();
    const prompts: string[] = [];
    const waiter = waitForEnterOrChange(workspace, {
      input,
      onPrompt: (text) => {
        prompts.push(text);
        input.write('\n');
      },
    });
    const result = await new ManualProducer({ workspace, waitFor: waiter }).propose(request(), context().ctx);
    expect(result).toEqual({ kind: 'none', reason: 'no file in the workspace changed' });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('press Enter');
  });

  it('puts an edit back when the person types skip', async () => {
    const input = new PassThrough();
    const waiter = waitForEnterOrChange(workspace, {
      input,
      onPrompt: () => {
        void fs.writeFile(path.join(workspace, 'app', 'calc.py'), 'half done\n').then(() => input.write('skip\n'));
      },
    });
    const result = await new ManualProducer({ workspace, waitFor: waiter }).propose(request(), context().ctx);
    expect(result.kind).toBe('none');
    expect(result.kind === 'none' && result.reason).toMatch(/skipped by the user.*app\/calc\.py/);
    expect(await fs.readFile(path.join(workspace, 'app', 'calc.py'))).toEqual(Buffer.from(CALC));
  });

  it('leaves an edit of a binary file in place and spends the attempt: a patch cannot carry it', async () => {
    const input = new PassThrough();
    const bytes = Buffer.from([0, 1, 2, 255, 0, 10]);
    const waiter = waitForEnterOrChange(workspace, {
      input,
      onPrompt: () => {
        void (async () => {
          await fs.writeFile(path.join(workspace, 'app', 'calc.py'), 'edited\n');
          await fs.writeFile(path.join(workspace, 'app', 'blob.bin'), bytes);
          input.write('\n');
        })();
      },
    });
    const result = await new ManualProducer({ workspace, waitFor: waiter }).propose(request(), context().ctx);
    expect(result).toEqual({ kind: 'none', reason: expect.stringContaining('binary files (app/blob.bin)') });
    expect(await fs.readFile(path.join(workspace, 'app', 'blob.bin'))).toEqual(bytes);
    expect(await fs.readFile(path.join(workspace, 'app', 'calc.py'), 'utf8')).toBe('edited\n');
  });

  it('works in a folder that is not a git repository', async () => {
    const plain = await fs.mkdtemp(path.join(os.tmpdir(), 'sf-manual-plain-'));
    try {
      await fs.writeFile(path.join(plain, 'mod.py'), 'X = 1\n');
      await fs.mkdir(path.join(plain, '.venv'));
      const input = new PassThrough();
      const waiter = waitForEnterOrChange(plain, {
        input,
        onPrompt: () => {
          void (async () => {
            await fs.writeFile(path.join(plain, 'mod.py'), 'X = 2\n');
            await fs.writeFile(path.join(plain, '.venv', 'pyvenv.cfg'), 'home = /usr\n');
            input.write('\n');
          })();
        },
      });
      const result = await new ManualProducer({ workspace: plain, waitFor: waiter }).propose(request(), context().ctx);
      expect(result.kind).toBe('answer');
      // Only the source file: the environment folder does not count in a plain folder.
      expect(result.kind === 'answer' && result.text).toMatch(/^diff --git a\/mod.py b\/mod.py\nindex [0-9a-f]+\.\.[0-9a-f]+ 100644\n--- a\/mod.py\n\+\+\+ b\/mod.py\n@@ -1 \+1 @@\n-X = 1\n\+X = 2\n$/);
      expect(await fs.readFile(path.join(plain, 'mod.py'), 'utf8')).toBe('X = 1\n');
    } finally {
      await fs.rm(plain, { recursive: true, force: true });
    }
  });

  it('rethrows cancellation while waiting', async () => {
    const r = context();
    const waiter = waitForEnterOrChange(workspace, { onPrompt: () => r.controller.abort() });
    const error = await new ManualProducer({ workspace, waitFor: waiter }).propose(request(), r.ctx).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SmokesError);
    expect((error as SmokesError).code).toBe('cancelled');
  });
});

// ---------------------------------------------------------------------------------------------

describe('createProducer', () => {
  const settings = (o: Partial<Settings>): Settings => ({ ...defaultSettings, ...o });

  it('builds the producer the settings name', () => {
    const command = createProducer(settings({ producer: 'command', producerCommand: ' ./propose.sh ' }), { workspace: '/w', env: {} });
    expect(command).toBeInstanceOf(CommandProducer);
    expect(command.label).toBe('command: ./propose.sh');
    expect(createProducer(settings({ producer: 'manual' }), { workspace: '/w', env: {} })).toBeInstanceOf(ManualProducer);
    const openai = createProducer(settings({ producer: 'openai', openaiApiKeyEnv: 'MY_KEY' }), { workspace: '/w', env: { MY_KEY: 'sk-1' } });
    expect(openai).toBeInstanceOf(OpenAIProducer);
  });

  it('refuses an empty command with a hint naming the flag and the setting', () => {
    const attempt = () => createProducer(settings({ producer: 'command', producerCommand: '  ' }), { workspace: '/w', env: {} });
    expect(attempt).toThrow(SmokesError);
    try {
      attempt();
    } catch (e) {
      expect((e as SmokesError).code).toBe('config');
      expect((e as SmokesError).message).toContain('producerCommand is empty');
      expect((e as SmokesError).hint).toContain('--producer-command');
      expect((e as SmokesError).hint).toContain('smokesFixer.producerCommand');
    }
  });

  it('needs an API key except for a local endpoint', () => {
    const hosted = () => createProducer(settings({ producer: 'openai', openaiApiKeyEnv: 'MY_KEY' }), { workspace: '/w', env: {} });
    expect(hosted).toThrow(/MY_KEY/);
    for (const url of ['http://127.0.0.1:11434/v1', 'http://localhost:8080/v1', 'http://[::1]:8000/v1']) {
      expect(createProducer(settings({ producer: 'openai', openaiBaseUrl: url }), { workspace: '/w', env: {} })).toBeInstanceOf(OpenAIProducer);
    }
  });

  it('says the VS Code language model exists only inside VS Code', () => {
    expect(() => createProducer(settings({ producer: 'vscode-lm' }), { workspace: '/w', env: {} })).toThrow(/only inside VS Code/);
  });
});
