import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPatchRequest, codeContextAround, relatedSourcesOf } from '../../src/core/request';
import { MAX_REQUEST_OUTPUT, type Failure, type PytestRun } from '../../src/core/types';
import { buildPrompt } from '../../src/producers/prompt';

let workspace: string;
let outside: string;

// 100 numbered lines, so each line's text says where it came from.
const MODULE = Array.from({ length: 100 }, (_, i) => `line_${i + 1} = ${i + 1}`).join('\n') + '\n';

beforeAll(async () => {
  workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'sf-request-'));
  outside = await fs.mkdtemp(path.join(os.tmpdir(), 'sf-outside-'));
  await fs.mkdir(path.join(workspace, 'app'));
  await fs.writeFile(path.join(workspace, 'app', 'calc.py'), MODULE);
  await fs.writeFile(path.join(workspace, 'app', 'short.py'), 'def f():\n    return 1 / 0\n');
  await fs.writeFile(path.join(workspace, 'app', 'crlf.py'), 'a = 1\r\nb = 2\r\nc = 3\r\n');
  await fs.writeFile(path.join(workspace, 'app', 'blob.bin'), Buffer.from([1, 0, 2, 0]));
  await fs.writeFile(path.join(outside, 'secret.py'), 'TOKEN = "x"\n');
  await fs.symlink(path.join(outside, 'secret.py'), path.join(workspace, 'app', 'link.py'));
});

afterAll(async () => {
  await fs.rm(workspace, { recursive: true, force: true });
  await fs.rm(outside, { recursive: true, force: true });
});

function failure(overrides: Partial<Failure> = {}): Failure {
  return {
    nodeid: 'tests/smoke/test_calc.py::test_smoke_add',
    kind: 'failed',
    exceptionType: 'AssertionError',
    location: { file: 'app/calc.py', line: 50 },
    message: 'assert 3 == 4',
    signature: 'tests/smoke/test_calc.py::test_smoke_add|AssertionError|app/calc.py:50|assert 3 == 4',
    ...overrides,
  };
}

function run(output: string): PytestRun {
  return {
    label: 'baseline',
    command: 'pytest -q tests/smoke -k smoke --maxfail=3 -rf',
    argv: ['python3', '-m', 'pytest', '-q', 'tests/smoke', '-k', 'smoke', '--maxfail=3', '-rf'],
    cwd: workspace,
    exitCode: 1,
    exitMeaning: 'failed',
    tests: [],
    failures: [],
    counts: { passed: 0, failed: 1, errors: 0, skipped: 0, xfailed: 0, xpassed: 0, deselected: 0, total: 1 },
    output,
    junitPath: path.join(workspace, 'artifacts', 'smoke.xml'),
    collected: [],
    durationMs: 10,
  };
}

describe('codeContextAround', () => {
  it('gives 40 lines centred on the crash line', async () => {
    const ctx = await codeContextAround(workspace, { file: 'app/calc.py', line: 50 });
    expect(ctx).not.toBeNull();
    const lines = ctx!.text.trimEnd().split('\n');
    expect(lines).toHaveLength(40);
    expect(ctx!.startLine).toBe(31);
    expect(lines[0]).toBe('line_31 = 31');
    expect(lines[50 - ctx!.startLine]).toBe('line_50 = 50');
    expect(ctx!.file).toBe('app/calc.py');
  });

  it('stays inside the file at its start and its end', async () => {
    const top = await codeContextAround(workspace, { file: 'app/calc.py', line: 2 });
    expect(top!.startLine).toBe(1);
    expect(top!.text.trimEnd().split('\n')).toHaveLength(40);

    const bottom = await codeContextAround(workspace, { file: 'app/calc.py', line: 99 });
    expect(bottom!.startLine).toBe(61);
    const lines = bottom!.text.trimEnd().split('\n');
    expect(lines).toHaveLength(40);
    expect(lines.at(-1)).toBe('line_100 = 100');
  });

  it('takes the whole file when it is shorter than the window, and honours a smaller window', async () => {
    const short = await codeContextAround(workspace, { file: 'app/short.py', line: 2 });
    expect(short).toEqual({ file: 'app/short.py', startLine: 1, text: 'def f():\n    return 1 / 0\n' });

    const small = await codeContextAround(workspace, { file: 'app/calc.py', line: 50 }, 5);
    expect(small!.startLine).toBe(48);
    expect(small!.text).toBe('line_48 = 48\nline_49 = 49\nline_50 = 50\nline_51 = 51\nline_52 = 52\n');
  });

  it('reads CRLF files as lines', async () => {
    const ctx = await codeContextAround(workspace, { file: 'app/crlf.py', line: 2 });
    expect(ctx!.text).toBe('a = 1\nb = 2\nc = 3\n');
  });

  it('gives null for files outside the workspace, through symlinks, missing or binary', async () => {
    expect(await codeContextAround(workspace, { file: '../' + path.basename(outside) + '/secret.py', line: 1 })).toBeNull();
    expect(await codeContextAround(workspace, { file: path.join(outside, 'secret.py'), line: 1 })).toBeNull();
    expect(await codeContextAround(workspace, { file: 'app/link.py', line: 1 })).toBeNull();
    expect(await codeContextAround(workspace, { file: 'app/missing.py', line: 1 })).toBeNull();
    expect(await codeContextAround(workspace, { file: 'app/blob.bin', line: 1 })).toBeNull();
    expect(await codeContextAround(workspace, { file: 'app', line: 1 })).toBeNull();
  });

  it('accepts an absolute path that lies inside the workspace', async () => {
    const ctx = await codeContextAround(workspace, { file: path.join(workspace, 'app', 'short.py'), line: 1 });
    expect(ctx!.file).toBe('app/short.py');
  });
});

describe('buildPatchRequest', () => {
  it('fills every field from the failure and the run', async () => {
    const request = await buildPatchRequest({
      workspace,
      attempt: 2,
      failure: failure(),
      run: run('\u001b[31mFAILED\u001b[0m tests/smoke/test_calc.py::test_smoke_add - assert 3 == 4\n'),
      allowTestEdits: false,
      previousAttempts: [{ attempt: 1, verdict: 'reverted', detail: 'fixed nothing', diff: 'diff --git a/x b/x\n' }],
      investigation: null,
    });
    expect(request.schema).toBe('smokes-fixer/patch-request@1');
    expect(request.workspace).toBe(workspace);
    expect(request.attempt).toBe(2);
    expect(request.target).toEqual({
      nodeid: 'tests/smoke/test_calc.py::test_smoke_add',
      exceptionType: 'AssertionError',
      location: { file: 'app/calc.py', line: 50 },
      message: 'assert 3 == 4',
      signature: failure().signature,
    });
    expect(request.pytest).toEqual({
      command: 'pytest -q tests/smoke -k smoke --maxfail=3 -rf',
      exitCode: 1,
      output: 'FAILED tests/smoke/test_calc.py::test_smoke_add - assert 3 == 4\n',
    });
    expect(request.codeContext!.startLine).toBe(31);
    expect(request.limits).toEqual({ maxFiles: 5, maxChangedLines: 200 });
    expect(request.allowTestEdits).toBe(false);
    expect(request.previousAttempts).toHaveLength(1);
    expect(request.investigation).toBeNull();
    expect(request.instructions).toContain('tests/smoke/test_calc.py::test_smoke_add');
    expect(request.instructions).toContain('Do not edit the smoke tests');
    expect(request.instructions).toContain('propose something different');
    expect(request.instructions).not.toContain('\n');
    // The request is what goes on a command's stdin: it must survive JSON.
    expect(JSON.parse(JSON.stringify(request))).toEqual(request);
  });

  it('keeps the tail of long output and no code context without a location', async () => {
    const long = 'HEAD-MARKER\n' + 'x'.repeat(MAX_REQUEST_OUTPUT * 2) + '\nTAIL-MARKER\n';
    const request = await buildPatchRequest({
      workspace,
      attempt: 1,
      failure: failure({ location: null, kind: 'collection-error' }),
      run: run(long),
      allowTestEdits: true,
      previousAttempts: [],
      investigation: { private: 'use the adder', public: null },
    });
    expect(request.pytest.output).toHaveLength(MAX_REQUEST_OUTPUT);
    expect(request.pytest.output.endsWith('TAIL-MARKER\n')).toBe(true);
    expect(request.pytest.output).not.toContain('HEAD-MARKER');
    expect(request.codeContext).toBeNull();
    expect(request.target.location).toBeNull();
    expect(request.instructions).toContain('Test files may be edited');
    expect(request.instructions).not.toContain('propose something different');
    expect(request.investigation).toEqual({ private: 'use the adder', public: null });
  });
});

describe('buildPrompt', () => {
  it('asks for a diff only, within the limits, and carries the whole request', async () => {
    const request = await buildPatchRequest({
      workspace,
      attempt: 3,
      failure: failure(),
      run: run('E   assert 3 == 4\n```\nweird fence in output\n'),
      allowTestEdits: false,
      previousAttempts: [{ attempt: 1, verdict: 'reverted', detail: 'fixed nothing', diff: 'diff --git a/app/calc.py b/app/calc.py\n' }],
      investigation: { private: 'PRIVATE-NOTE', public: 'PUBLIC-NOTE' },
    });
    const { system, user } = buildPrompt(request);
    expect(system).toMatch(/unified git diff/);
    expect(system).toMatch(/no prose/);
    expect(system).toContain('at most 5 files');
    expect(system).toContain('at most 200 changed lines');
    expect(system).toMatch(/Never edit the smoke test files/);
    expect(system).toMatch(/skipif, xfail/);

    expect(user).toContain(request.target.nodeid);
    expect(user).toContain('attempt 3');
    expect(user).toContain('pytest -q tests/smoke -k smoke --maxfail=3 -rf');
    expect(user).toContain('E   assert 3 == 4');
    expect(user).toContain('50 | line_50 = 50'); // numbered code context
    expect(user).toContain('Attempt 1: reverted');
    expect(user).toContain('PRIVATE-NOTE');
    expect(user).toContain('PUBLIC-NOTE');
    expect(user).toContain(request.instructions);
    // Output containing ``` is fenced with a longer fence, so it cannot close the block early.
    expect(user).toContain('````text\n');
  });

  it('allows test edits only when the request does', async () => {
    const request = await buildPatchRequest({
      workspace,
      attempt: 1,
      failure: failure(),
      run: run(''),
      allowTestEdits: true,
      previousAttempts: [],
      investigation: null,
    });
    const { system, user } = buildPrompt(request);
    expect(system).not.toMatch(/Never edit the smoke test files/);
    expect(system).toMatch(/never a fix/);
    expect(user).not.toContain('Earlier attempts');
    expect(user).not.toContain('Investigation');
  });
});

describe('relatedSourcesOf', () => {
  it('gives the traceback\'s workspace files and the modules the failing test imports, never outside files', async () => {
    const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'sf-related-'));
    try {
      await fs.mkdir(path.join(ws, 'pkg'));
      await fs.mkdir(path.join(ws, 'tests', 'smoke'), { recursive: true });
      await fs.writeFile(path.join(ws, 'pkg', '__init__.py'), '');
      await fs.writeFile(path.join(ws, 'pkg', 'calc.py'), 'def add(a, b):\n    return a - b\n');
      await fs.writeFile(path.join(ws, 'pkg', 'util.py'), 'def twice(x):\n    return 2 * x\n');
      await fs.writeFile(path.join(ws, 'pkg', 'unused.py'), 'X = 1\n');
      await fs.writeFile(path.join(ws, 'tests', 'smoke', 'test_x.py'), 'import os\nfrom pkg.calc import add\nfrom pkg import util\n\ndef test_smoke_add():\n    assert add(2, 3) == 5\n');
      await fs.symlink(path.join(outside, 'secret.py'), path.join(ws, 'pkg', 'secret.py'));
      const failure: Failure = {
        nodeid: 'tests/smoke/test_x.py::test_smoke_add',
        kind: 'failed',
        exceptionType: 'AssertionError',
        location: { file: 'tests/smoke/test_x.py', line: 6 },
        message: 'assert -1 == 5',
        signature: 's',
        longrepr: `  File "${path.join(outside, 'secret.py')}", line 1, in f\npkg/secret.py:1: in g\n`,
      };
      const related = await relatedSourcesOf(ws, failure);
      expect(related.map((r) => r.file)).toEqual(['tests/smoke/test_x.py', 'pkg/calc.py', 'pkg/__init__.py', 'pkg/util.py']);
      expect(related.find((r) => r.file === 'pkg/calc.py')?.text).toBe('def add(a, b):\n    return a - b\n');
      const prompt = buildPrompt(await buildPatchRequest({ workspace: ws, attempt: 1, failure, run: { command: 'pytest', exitCode: 1, output: '' } as PytestRun, allowTestEdits: false, previousAttempts: [], investigation: null }));
      expect(prompt.user).toContain('# Source: pkg/calc.py');
      expect(prompt.user).not.toContain('TOKEN');
    } finally {
      await fs.rm(ws, { recursive: true, force: true });
    }
  });
});
