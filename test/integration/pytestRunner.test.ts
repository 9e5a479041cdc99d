// Real pytest on small fixture projects: signatures stay the same under every --tb style and under the
// focused `-vv -l -s` rerun, exit codes are read as pytest means them, and the child environment is right.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SmokesError } from '../../src/core/errors';
import { findInterpreter } from '../../src/core/interpreter';
import { attemptArgs, baselineArgs } from '../../src/core/pytestCommand';
import {
  detectPytest,
  pluginDir,
  pytestSummaryLine,
  readJUnitReport,
  resolvePython,
  runPytest,
  type RunPytestOptions,
} from '../../src/core/pytestRunner';
import type { PytestRun } from '../../src/core/types';
import { isAlive } from './helpers/processes';

const FIXTURES = join(__dirname, '..', 'fixtures');
const PY = 'python3';
const DEFAULT = { select: [], markExpr: '' };
const TB_STYLES = ['auto', 'long', 'short', 'line', 'native', 'no'];

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

async function copyFixture(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sf-pytest-${name}-`));
  made.push(dir);
  await cp(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

function run(cwd: string, args: string[], extra: Partial<RunPytestOptions> = {}): Promise<PytestRun> {
  return runPytest({ cwd, python: PY, args, label: 'baseline', artifactsDir: join(cwd, 'artifacts'), ndSmoke: false, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<SmokesError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SmokesError);
  return error as SmokesError;
}

function signatures(r: PytestRun): Record<string, string> {
  return Object.fromEntries(r.failures.map((f) => [f.nodeid, f.signature]));
}

const ADD = 'tests/smoke/test_smoke_calc.py::test_smoke_add';
const PARSE = 'tests/smoke/test_smoke_calc.py::test_smoke_parse';
const SETTINGS = 'tests/smoke/test_smoke_calc.py::test_smoke_settings';

describe('runPytest on a project with an assert failure, a library exception and a fixture error', () => {
  it('reads the baseline from JUnit XML and the plugin records', async () => {
    const ws = await copyFixture('pyproj-failures');
    const outputs: string[] = [];
    const r = await run(ws, baselineArgs(DEFAULT), { onOutput: (t) => outputs.push(t) });

    expect(r.command).toBe('python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf');
    expect(r.argv.slice(0, 3)).toEqual([PY, '-m', 'pytest']);
    expect(r.argv).toContain('smokes_fixer_pytest');
    expect(r.argv).toContain(`--junitxml=${join(ws, 'artifacts', 'smoke.xml')}`);
    expect(r.exitCode).toBe(1);
    expect(r.exitMeaning).toBe('failed');
    expect((await stat(join(ws, 'artifacts', 'smoke.xml'))).isFile()).toBe(true);
    // Colour goes to the terminal only, never into the XML artifact.
    expect(await readFile(join(ws, 'artifacts', 'smoke.xml'), 'utf8')).not.toMatch(/#x1B|\u001b/);

    expect(r.counts).toEqual({ passed: 2, failed: 2, errors: 1, skipped: 1, xfailed: 1, xpassed: 0, deselected: 0, total: 7 });
    expect(r.collected).toHaveLength(7);
    const byId = Object.fromEntries(r.tests.map((t) => [t.nodeid, t]));
    expect(byId['tests/smoke/test_smoke_basics.py::test_smoke_skipped'].outcome).toBe('skipped');
    expect(byId['tests/smoke/test_smoke_basics.py::test_smoke_known_bug'].outcome).toBe('xfailed');
    expect(byId['tests/smoke/test_misc.py::test_unrelated_check'].outcome).toBe('passed');
    expect(byId[ADD]).toMatchObject({ outcome: 'failed', expected: '3', actual: '4', location: { file: 'tests/smoke/test_smoke_calc.py', line: 6 } });
    expect(byId[ADD].text).toContain('assert add(1, 2) == 3');
    expect(byId[SETTINGS].outcome).toBe('error');

    const failures = Object.fromEntries(r.failures.map((f) => [f.nodeid, f]));
    expect(failures[ADD]).toMatchObject({
      kind: 'failed',
      exceptionType: 'AssertionError',
      location: { file: 'tests/smoke/test_smoke_calc.py', line: 8 },
      message: 'assert 4 == 3',
      signature: `${ADD} | AssertionError | tests/smoke/test_smoke_calc.py:8 | assert 4 == 3`,
    });
    // The deepest frame is the library line, and the memory address in the message is masked.
    expect(failures[PARSE]).toMatchObject({
      kind: 'failed',
      exceptionType: 'ValueError',
      location: { file: 'calc/core.py', line: 19 },
      signature: `${PARSE} | ValueError | calc/core.py:19 | cannot parse 'x' with <object object at 0x?>`,
    });
    expect(failures[SETTINGS]).toMatchObject({
      kind: 'error',
      exceptionType: 'KeyError',
      location: { file: 'tests/smoke/conftest.py', line: 7 },
      signature: `${SETTINGS} | KeyError | tests/smoke/conftest.py:7 | 'port'`,
    });
    // Output is streamed as it comes (with colour) and kept without colour codes.
    expect(outputs.join('')).toContain('\u001b[');
    expect(r.output).not.toContain('\u001b[');
    expect(pytestSummaryLine(r.output)).toMatch(/^2 failed, 2 passed, 1 skipped, 1 xfailed, 1 error in [\d.]+s$/);
  });

  it('gives every failure the same signature under every --tb style and under -vv -l -s', async () => {
    const ws = await copyFixture('pyproj-failures');
    const baseline = signatures(await run(ws, baselineArgs(DEFAULT)));
    expect(Object.keys(baseline).sort()).toEqual([ADD, PARSE, SETTINGS].sort());
    for (const tb of TB_STYLES) {
      const r = await run(ws, [...baselineArgs(DEFAULT), `--tb=${tb}`]);
      expect(signatures(r), `--tb=${tb}`).toEqual(baseline);
    }
    for (const nodeid of [ADD, PARSE, SETTINGS]) {
      for (const attempt of [2, 3]) {
        const r = await run(ws, attemptArgs(attempt, DEFAULT, nodeid), { label: 'attempt' });
        expect(signatures(r)[nodeid], `attempt ${attempt} of ${nodeid}`).toBe(baseline[nodeid]);
      }
    }
  }, 240_000);

  it('places a crash in the standard library at the project line that called it, under every --tb style', async () => {
    const ws = await copyFixture('pyproj-failures');
    await writeFile(
      join(ws, 'tests', 'smoke', 'test_smoke_stdlib.py'),
      [
        'import json',
        'import unittest',
        '',
        '',
        'class SmokeCase(unittest.TestCase):',
        '    def test_smoke_lists(self):',
        '        self.assertEqual([1, 2], [1, 3])',
        '',
        '',
        'def test_smoke_json():',
        '    json.loads("{not json")',
        '',
      ].join('\n'),
    );
    const file = 'tests/smoke/test_smoke_stdlib.py';
    const lists = `${file}::SmokeCase::test_smoke_lists`;
    const parsed = `${file}::test_smoke_json`;
    const args = ['-q', file];
    const baseline = await run(ws, args);
    const byId = Object.fromEntries(baseline.failures.map((f) => [f.nodeid, f]));
    // pytest's reprcrash is unittest/case.py and json/decoder.py under the interpreter's own path.
    expect(byId[lists]).toMatchObject({ exceptionType: 'AssertionError', location: { file, line: 7 } });
    expect(byId[parsed]).toMatchObject({ exceptionType: 'JSONDecodeError', location: { file, line: 11 } });
    for (const f of baseline.failures) expect(f.signature).not.toMatch(/python3|\/usr\/|site-packages/);
    for (const tb of TB_STYLES) expect(signatures(await run(ws, [...args, `--tb=${tb}`])), `--tb=${tb}`).toEqual(signatures(baseline));
    expect(signatures(await run(ws, attemptArgs(3, DEFAULT, lists), { label: 'attempt' }))[lists]).toBe(byId[lists].signature);
  }, 240_000);

  it('keeps long == operands stable between -q and -vv', async () => {
    const ws = await copyFixture('pyproj-failures');
    await writeFile(
      join(ws, 'tests', 'smoke', 'test_smoke_long.py'),
      'def test_smoke_long():\n    assert "y" * 300 == "x" * 500\n',
    );
    const id = 'tests/smoke/test_smoke_long.py::test_smoke_long';
    const quiet = await run(ws, ['-q', id]);
    const verbose = await run(ws, attemptArgs(3, DEFAULT, id));
    expect(signatures(quiet)[id]).toBe(signatures(verbose)[id]);
    expect(signatures(quiet)[id]).toContain("'yyyyyyyyyyyy...yyyyyyyyyyyyy' == 'xxxxxxxxxxxx...xxxxxxxxxxxxx'");
  }, 120_000);

  it('counts deselected tests of a marker selection', async () => {
    const ws = await copyFixture('pyproj-failures');
    const r = await run(ws, baselineArgs({ select: [], markExpr: 'fast' }));
    expect(r.command).toBe('python3 -m pytest -q -m fast --maxfail=3 -rf');
    expect(r.counts).toMatchObject({ passed: 1, failed: 1, deselected: 5, total: 2 });
    expect(r.collected.sort()).toEqual([ADD, 'tests/smoke/test_smoke_basics.py::test_smoke_passes'].sort());
  });

  it('leaves outcomes unchanged, with or without the report variable', async () => {
    const ws = await copyFixture('pyproj-failures');
    const plain = (args: string[]) => {
      try {
        return execFileSync(PY, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...args], {
          cwd: ws,
          encoding: 'utf8',
          env: { ...process.env, PYTHONPATH: pluginDir(), SMOKES_FIXER_REPORT: '' },
        });
      } catch (e) {
        return (e as { stdout: string; status: number }).stdout + `exit ${(e as { status: number }).status}`;
      }
    };
    const without = plain(['tests/smoke']);
    const withPlugin = plain(['tests/smoke', '-p', 'smokes_fixer_pytest']);
    const line = (s: string) => (pytestSummaryLine(s) ?? '').replace(/ in [\d.]+s$/, '');
    expect(line(without)).toBe('2 failed, 2 passed, 1 skipped, 1 xfailed, 1 error');
    expect(line(withPlugin)).toBe(line(without));
    expect(withPlugin).toContain('exit 1');
  });
});

describe('collection errors', () => {
  const LOOKUP = 'tests/smoke/test_smoke_lookup.py';

  it('reads exit 2 as failures with a signature, the same under every --tb style', async () => {
    const ws = await copyFixture('pyproj-collect-error');
    const r = await run(ws, baselineArgs(DEFAULT));
    expect(r.exitCode).toBe(2);
    expect(r.exitMeaning).toBe('interrupted');
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({
      nodeid: LOOKUP,
      kind: 'collection-error',
      exceptionType: 'NameError',
      location: { file: 'brokenlib/tables.py', line: 2 },
      signature: `${LOOKUP} | NameError | brokenlib/tables.py:2 | name 'undefined_table' is not defined`,
    });
    expect(r.tests).toEqual([expect.objectContaining({ nodeid: LOOKUP, outcome: 'error', message: 'collection failure' })]);
    expect(r.counts.errors).toBe(1);
    for (const tb of TB_STYLES) {
      expect(signatures(await run(ws, [...baselineArgs(DEFAULT), `--tb=${tb}`])), `--tb=${tb}`).toEqual(signatures(r));
    }
    const focused = await run(ws, attemptArgs(3, DEFAULT, LOOKUP), { label: 'attempt' });
    expect(signatures(focused)).toEqual(signatures(r));
  }, 240_000);

  it('names the ImportError behind a test module that does not import', async () => {
    const ws = await copyFixture('pyproj-collect-error');
    await writeFile(join(ws, 'brokenlib', 'tables.py'), 'import no_such_module_here\n\n\ndef lookup(key):\n    return key\n');
    const r = await run(ws, baselineArgs(DEFAULT));
    expect(r.exitCode).toBe(2);
    expect(r.failures[0]).toMatchObject({
      nodeid: LOOKUP,
      kind: 'collection-error',
      exceptionType: 'ModuleNotFoundError',
      location: { file: 'brokenlib/tables.py', line: 1 },
      message: "No module named 'no_such_module_here'",
    });
  });

  it('reads a conftest.py that does not import (exit 4) as a failure, not a usage error', async () => {
    const ws = await copyFixture('pyproj-failures');
    await writeFile(join(ws, 'tests', 'smoke', 'conftest.py'), 'from calc.missing import thing\n');
    const r = await run(ws, baselineArgs(DEFAULT));
    expect(r.exitCode).toBe(4);
    expect(r.failures).toEqual([
      expect.objectContaining({
        nodeid: 'tests/smoke/conftest.py',
        kind: 'collection-error',
        exceptionType: 'ModuleNotFoundError',
        location: { file: 'tests/smoke/conftest.py', line: 1 },
        message: "No module named 'calc.missing'",
      }),
    ]);
  });
});

describe('exit codes that are not results', () => {
  it('throws pytest-no-tests for exit 5', async () => {
    const ws = await copyFixture('pyproj-failures');
    const e = await rejection(run(ws, ['-q', 'tests/smoke', '-k', 'matches_nothing_at_all']));
    expect(e.code).toBe('pytest-no-tests');
    expect(e.message).toContain('python3 -m pytest -q tests/smoke -k matches_nothing_at_all');
    expect(e.hint).toBeTruthy();
  });

  it('throws pytest-usage for exit 4 with pytest`s own complaint', async () => {
    const ws = await copyFixture('pyproj-failures');
    const e = await rejection(run(ws, ['-q', '--no-such-option']));
    expect(e.code).toBe('pytest-usage');
    expect(e.message).toContain('--no-such-option');
  });

  it('throws pytest-missing for an interpreter without pytest', async () => {
    const ws = await copyFixture('pyproj-failures');
    const venv = join(ws, '.venv-nopytest');
    execFileSync(PY, ['-m', 'venv', '--without-pip', venv]);
    const python = join(venv, 'bin', 'python');
    const e = await rejection(runPytest({ cwd: ws, python, args: baselineArgs(DEFAULT), label: 'baseline', artifactsDir: join(ws, 'artifacts'), ndSmoke: false }));
    expect(e.code).toBe('pytest-missing');
    const detected = await detectPytest(python, ws);
    expect(detected).toMatchObject({ ok: false, version: null });
    expect(detected.error).toMatch(/No module named 'pytest'/);
  });
});

describe('the child environment', () => {
  const only = ['-q', 'tests/smoke/test_smoke_basics.py::test_smoke_passes'];

  async function dump(ws: string, ndSmoke: boolean, inherited: NodeJS.ProcessEnv): Promise<Record<string, string>> {
    const file = join(ws, `env-${ndSmoke}.txt`);
    const r = await run(ws, only, { ndSmoke, baseEnv: { ...process.env, ...inherited, SMOKES_ENV_DUMP: file } });
    expect(r.exitCode).toBe(0);
    const text = await readFile(file, 'utf8');
    return Object.fromEntries(text.trim().split('\n').map((l) => l.split('=') as [string, string]));
  }

  it('drops an inherited ND_SMOKE unless live ndsmoke is enabled, and sets a wide COLUMNS', async () => {
    const ws = await copyFixture('pyproj-failures');
    const inherited = { ND_SMOKE: '1', ND_SMOKE_TEMPERATURE: '0.7', ND_SMOKE_TOP_P: '0.9' };
    expect(await dump(ws, false, inherited)).toEqual({
      ND_SMOKE: '<unset>',
      ND_SMOKE_TEMPERATURE: '<unset>',
      ND_SMOKE_TOP_P: '<unset>',
      COLUMNS: '200',
    });
    expect(await dump(ws, true, inherited)).toEqual({ ND_SMOKE: '1', ND_SMOKE_TEMPERATURE: '0', ND_SMOKE_TOP_P: '0', COLUMNS: '200' });
  });
});

describe('runs that do not finish', () => {
  it('turns a cut-short JUnit file into junit-unreadable naming pytest`s summary', async () => {
    const ws = await copyFixture('pyproj-failures');
    const r = await run(ws, baselineArgs(DEFAULT));
    const xml = await readFile(r.junitPath, 'utf8');
    const cut = join(ws, 'cut.xml');
    await writeFile(cut, xml.slice(0, Math.floor(xml.length / 2)));
    const e = await rejection(readJUnitReport(cut, r.output));
    expect(e.code).toBe('junit-unreadable');
    expect(e.message).toMatch(/2 failed, 2 passed, 1 skipped, 1 xfailed, 1 error in [\d.]+s/);
    const missing = await rejection(readJUnitReport(join(ws, 'nothing.xml'), r.output));
    expect(missing.code).toBe('junit-unreadable');
    expect(missing.message).toContain('2 failed');
  });

  it('turns a pytest that dies before writing its JUnit file into junit-unreadable, and a killed one into pytest-killed', async () => {
    const ws = await copyFixture('pyproj-failures');
    await writeFile(join(ws, 'tests', 'smoke', 'test_smoke_exit.py'), 'import os\n\ndef test_smoke_exit():\n    os._exit(1)\n');
    const gone = await rejection(run(ws, ['-q', 'tests/smoke/test_smoke_exit.py']));
    expect(gone.code).toBe('junit-unreadable');
    expect(gone.message).toContain('smoke.xml');
    expect(gone.message).toContain('printed no summary line');

    await writeFile(join(ws, 'tests', 'smoke', 'test_smoke_kill.py'), 'import os, signal\n\ndef test_smoke_kill():\n    os.kill(os.getpid(), signal.SIGKILL)\n');
    const killed = await rejection(run(ws, ['-q', 'tests/smoke/test_smoke_kill.py']));
    expect(killed.code).toBe('pytest-killed');
    expect(killed.message).toContain('SIGKILL');
  });

  async function slowWorkspace(): Promise<{ ws: string; pidFile: string }> {
    const ws = await copyFixture('pyproj-failures');
    const pidFile = join(ws, 'slow.pid');
    await mkdir(join(ws, 'tests', 'smoke'), { recursive: true });
    await writeFile(
      join(ws, 'tests', 'smoke', 'test_smoke_slow.py'),
      `import os, time\n\ndef test_smoke_slow():\n    with open(${JSON.stringify(pidFile)}, "w") as f:\n        f.write(str(os.getpid()))\n    time.sleep(120)\n`,
    );
    return { ws, pidFile };
  }

  async function waitForFile(path: string): Promise<string> {
    for (;;) {
      const text = await readFile(path, 'utf8').catch(() => '');
      if (text) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('throws cancelled when the signal aborts mid-run, and ends pytest', async () => {
    const { ws, pidFile } = await slowWorkspace();
    const controller = new AbortController();
    const pending = run(ws, ['-q', 'tests/smoke/test_smoke_slow.py'], { signal: controller.signal });
    const pid = Number(await waitForFile(pidFile));
    controller.abort();
    const e = await rejection(pending);
    expect(e.code).toBe('cancelled');
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid)).toBe(false);
  });

  it('re-throws the abort reason when it is a SmokesError (time budget)', async () => {
    const { ws, pidFile } = await slowWorkspace();
    const controller = new AbortController();
    const pending = run(ws, ['-q', 'tests/smoke/test_smoke_slow.py'], { signal: controller.signal });
    await waitForFile(pidFile);
    const reason = new SmokesError('time-budget', 'The time budget ran out.');
    controller.abort(reason);
    expect(await rejection(pending)).toBe(reason);
  });
});

describe('interpreter and plugin discovery', () => {
  it('resolves python3 by default and refuses a configured interpreter that does not exist', async () => {
    expect(await resolvePython('', process.cwd())).toBe('python3');
    expect(await resolvePython('python3', process.cwd())).toBe('python3');
    const e = await rejection(resolvePython('./no/such/python', process.cwd()));
    expect(e.code).toBe('config');
    expect(e.message).toContain('./no/such/python');
  });

  it('detects pytest and whether pytest-html is installed', async () => {
    const d = await detectPytest(PY, process.cwd());
    expect(d.ok).toBe(true);
    expect(d.version).toMatch(/^\d+\.\d+/);
    expect(typeof d.html).toBe('boolean');
    expect(d.error).toBeNull();
  });

  it('remembers a pytest it found until the interpreter\'s import path changes, and never a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-detect-'));
    made.push(dir);
    const cacheDir = join(dir, 'cache');
    const extraPath = join(dir, 'extra');
    await mkdir(extraPath);
    // An interpreter that leaves a line in `trace` each time it starts, then is python3.
    const trace = join(dir, 'trace');
    const python = join(dir, 'python-traced');
    await writeFile(python, `#!/bin/sh\necho started >> '${trace}'\nexec python3 "$@"\n`, { mode: 0o755 });
    const starts = async () => (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = extraPath;
    try {
      const first = await detectPytest(python, dir, undefined, { cacheDir });
      expect(first.ok).toBe(true);
      expect(await starts()).toBe(1);
      expect(await detectPytest(python, dir, undefined, { cacheDir })).toEqual(first);
      expect(await starts()).toBe(1);
      // A folder of its import path changes (as site-packages does when a package is installed): asked again.
      await writeFile(join(extraPath, 'new_module.py'), '');
      expect((await detectPytest(python, dir, undefined, { cacheDir })).ok).toBe(true);
      expect(await starts()).toBe(2);
      // An interpreter without pytest is asked every time.
      await writeFile(python, `#!/bin/sh\necho started >> '${trace}'\nexec python3 -S -c 'import sys; sys.path[:] = [p for p in sys.path if "packages" not in p]; exec(sys.argv[1])' "$2"\n`, { mode: 0o755 });
      const missing = await detectPytest(python, join(dir, 'extra'), undefined, { cacheDir });
      expect(missing.ok).toBe(false);
      await detectPytest(python, join(dir, 'extra'), undefined, { cacheDir });
      expect(await starts()).toBe(4);
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
  });

  it('starts an interpreter whose pytest it found no more before a run, until a version file or PATH could change it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-probe-'));
    made.push(dir);
    const cacheDir = join(dir, 'cache');
    const trace = join(dir, 'trace');
    const python = join(dir, 'python-traced');
    await writeFile(python, `#!/bin/sh\necho started >> '${trace}'\nexec python3 "$@"\n`, { mode: 0o755 });
    const starts = async () => (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    const ws = join(dir, 'ws');
    await mkdir(ws);
    // Before any pytest was found, the interpreter is probed.
    expect((await findInterpreter(python, ws, process.env, { cacheDir })).python).toBe(python);
    expect(await starts()).toBe(1);
    expect((await detectPytest(python, ws, undefined, { cacheDir })).ok).toBe(true);
    expect(await starts()).toBe(2);
    // Found once: choosing it again starts nothing.
    expect((await findInterpreter(python, ws, process.env, { cacheDir })).source).toBe('configured');
    expect(await starts()).toBe(2);
    // `pyenv local 3.12` writes .python-version: the shim may now start another interpreter.
    await writeFile(join(ws, '.python-version'), '3.11\n');
    await findInterpreter(python, ws, process.env, { cacheDir });
    expect(await starts()).toBe(3);
    expect((await detectPytest(python, ws, undefined, { cacheDir })).ok).toBe(true);
    await findInterpreter(python, ws, process.env, { cacheDir });
    expect(await starts()).toBe(4);
    // Another PATH is another key.
    const savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${savedPath ?? ''}`;
    try {
      await findInterpreter(python, ws, process.env, { cacheDir });
      expect(await starts()).toBe(5);
    } finally {
      process.env.PATH = savedPath;
    }
    // An interpreter that is gone is not vouched for by its old entry.
    await rm(python);
    const e = await rejection(findInterpreter(python, ws, process.env, { cacheDir }));
    expect(e.message).toContain('could not be used');
  });

  it('finds the plugin from source and beside a bundle', async () => {
    expect(pluginDir()).toBe(join(__dirname, '..', '..', 'src', 'core', 'python'));
    const root = await mkdtemp(join(tmpdir(), 'sf-dist-'));
    made.push(root);
    await mkdir(join(root, 'dist', 'python'), { recursive: true });
    await writeFile(join(root, 'dist', 'python', 'smokes_fixer_pytest.py'), '');
    expect(pluginDir(join(root, 'dist'))).toBe(join(root, 'dist', 'python'));
    const e = (() => {
      try {
        pluginDir(join(root, 'elsewhere', 'deep', 'down'));
        return null;
      } catch (error) {
        return error as SmokesError;
      }
    })();
    expect(e?.code).toBe('config');
  });
});
