// The loop's judgement on the failures real projects have (issue 9), each through the built CLI on a
// fixture project with real pytest and real git: collection errors, repro commands, one loop per
// workspace, a producer that cannot start, one run's artifacts, bounded output, the project's interpreter.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES, git, makeWorkspace, removeWorkspace } from './helpers/workspace';
import { isAlive } from './helpers/processes';
import { excludeOwnFiles } from '../../src/core/artifacts';
import { LOCK_FILE } from '../../src/core/lock';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const BY_EXCEPTION = `python3 ${join(FIXTURES, 'producers', 'by-exception.py')}`;
const SLOW = 600_000;

beforeAll(() => {
  execFileSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
}, 120_000);

const made: string[] = [];
afterEach(async () => {
  while (made.length) await removeWorkspace(made.pop()!);
});

async function workspace(fixture: string, o: { git?: boolean } = {}): Promise<string> {
  const dir = await makeWorkspace(fixture, o);
  made.push(dir);
  return dir;
}

/** The CLI's environment: no inherited virtual environment or ND_SMOKE, so the tests choose. */
function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ND_SMOKE: '', VIRTUAL_ENV: '', ...env };
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('node', [CLI, ...args], { cwd: ROOT, env: cliEnv(env), encoding: 'utf8', input: '', timeout: 540_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runLog(dir: string): Array<Record<string, unknown>> {
  return readFileSync(join(dir, 'artifacts', 'run-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function producerCalls(log: string): Array<{ attempt: number; target: { nodeid: string; exceptionType: string; signature: string } }> {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

// ---------------------------------------------------------------------------------------------
// 1. Collection errors (PRODUCT.md 24)

const FIX_IMPORT = [
  'diff --git a/brokenlib/tables.py b/brokenlib/tables.py',
  '--- a/brokenlib/tables.py',
  '+++ b/brokenlib/tables.py',
  '@@ -1,2 +1,2 @@',
  ' TABLE = {"a": 1}',
  '-ALIASES = dict(undefined_table)  # NameError at import time',
  '+ALIASES = dict(TABLE)',
  '',
].join('\n');

const FIX_LOOKUP = [
  'diff --git a/brokenlib/tables.py b/brokenlib/tables.py',
  '--- a/brokenlib/tables.py',
  '+++ b/brokenlib/tables.py',
  '@@ -4,4 +4,4 @@',
  ' ',
  ' ',
  ' def lookup(key):',
  '-    return TABLE[key] + 1',
  '+    return TABLE[key]',
  '',
].join('\n');

async function patches(dir: string, byType: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const file = join(dir, '..', `${dir.split('/').pop()}-patches.json`);
  await writeFile(file, JSON.stringify(byType));
  made.push(file);
  return { PATCHES_FILE: file, PRODUCER_LOG: `${file}.log` };
}

describe('1. collection errors', () => {
  it('a package that fails to import, fixed by the right patch: exit 0, the patch kept', async () => {
    const dir = await workspace('pyproj-collect-error');
    const env = await patches(dir, { NameError: FIX_IMPORT });
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', BY_EXCEPTION, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.status).toBe('success');
    expect(summary.fixed.map((f: { nodeid: string }) => f.nodeid)).toEqual(['tests/smoke/test_smoke_lookup.py']);
    expect(r.stderr).toMatch(/tests\/smoke\/test_smoke_lookup\.py collects now\. Keeping the patch\./);
    expect(r.stderr).not.toMatch(/Reverting the patch/);
    expect(readFileSync(join(dir, 'brokenlib', 'tables.py'), 'utf8')).toContain('ALIASES = dict(TABLE)');
    expect(producerCalls(env.PRODUCER_LOG!)).toHaveLength(1);
  }, SLOW);

  it('a patch that makes the module import while one of its tests still fails: kept, and the loop goes on with the new signature', async () => {
    const dir = await workspace('pyproj-collect-error');
    await writeFile(join(dir, 'brokenlib', 'tables.py'), readFileSync(join(dir, 'brokenlib', 'tables.py'), 'utf8').replace('return TABLE[key]', 'return TABLE[key] + 1'));
    git(dir, 'commit', '-qam', 'lookup off by one too');
    const env = await patches(dir, { NameError: FIX_IMPORT, AssertionError: FIX_LOOKUP });
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', BY_EXCEPTION, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const calls = producerCalls(env.PRODUCER_LOG!);
    expect(calls.map((c) => [c.target.nodeid, c.target.exceptionType, c.attempt])).toEqual([
      ['tests/smoke/test_smoke_lookup.py', 'NameError', 1],
      ['tests/smoke/test_smoke_lookup.py::test_smoke_lookup', 'AssertionError', 1],
    ]);
    const verdicts = runLog(dir).filter((l) => l.kind === 'verdict');
    expect(verdicts.map((v) => v.verdict)).toEqual(['kept', 'kept']);
    expect(verdicts[0].detail).toMatch(/collects now; 1 of its tests fails, a new failure with its own signature/);
    expect(r.stderr).not.toMatch(/Regression/);
  }, SLOW);

  it('an error in a conftest.py the tests import counts as fixed when it imports again', async () => {
    const dir = await workspace('pyproj-collect-error');
    await writeFile(join(dir, 'tests', 'smoke', 'conftest.py'), 'import brokenlib  # the conftest imports the library too\n');
    await writeFile(join(dir, 'tests', 'smoke', 'test_smoke_lookup.py'), 'def test_smoke_lookup():\n    from brokenlib import lookup\n    assert lookup("a") == 1\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'conftest imports the library');
    const env = await patches(dir, { NameError: FIX_IMPORT });
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', BY_EXCEPTION, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const calls = producerCalls(env.PRODUCER_LOG!);
    expect(calls).toHaveLength(1);
    expect(calls[0].target.nodeid).toBe('tests/smoke/conftest.py');
    expect(runLog(dir).filter((l) => l.kind === 'verdict').map((v) => v.verdict)).toEqual(['kept']);
  }, SLOW);
});

// ---------------------------------------------------------------------------------------------
// 2. Repro commands (PRODUCT.md 22)

describe('2. repro commands', () => {
  it('every repro command of a bundle, run with /bin/sh -c in the workspace, reproduces: pytest exits 0 or 1', async () => {
    const dir = await workspace('pyproj-repro');
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 1', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const bundle = JSON.parse(r.stdout);
    expect(bundle.reason).toBe('retry budget');
    const repro: string[] = bundle.repro_commands;
    expect(repro).toEqual([
      'python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf',
      'python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf --tb=short',
      `python3 -m pytest -vv -l -s --tb=long --maxfail=1 'tests/smoke/test_smoke_calc.py::test_smoke_scale[it'\\''s "quoted" [gr\\xf6\\xdfe]]'`,
    ]);
    // The commands shown and logged are the same ones, without the product's plumbing.
    const shown = runLog(dir).filter((l) => l.kind === 'event' && (l.event as { type: string }).type === 'command').map((l) => (l.event as { command: string; purpose: string }));
    expect(shown.filter((c) => c.purpose === 'pytest').map((c) => c.command)).toEqual(repro);
    for (const line of [...repro, r.stderr]) {
      expect(line).not.toMatch(/smokes_fixer_pytest|--junitxml|--color=yes/);
    }
    for (const command of repro) {
      const rerun = spawnSync('/bin/sh', ['-c', command], { cwd: dir, encoding: 'utf8', env: cliEnv(), maxBuffer: 16 * 1024 * 1024 });
      expect([0, 1], `${command}\n${rerun.stdout.slice(-2000)}`).toContain(rerun.status);
      expect(rerun.stdout).toMatch(/\d+ failed/);
    }
    // The focused command found its one test (a node id it did not find would exit 4).
    const focused = spawnSync('/bin/sh', ['-c', repro[2]], { cwd: dir, encoding: 'utf8', env: cliEnv() });
    expect(focused.stdout).toContain('1 failed');
    // The non-ASCII test name is in the baseline's failures, quoted as the shell needs.
    const names = bundle.failures.map((f: { nodeid: string }) => f.nodeid);
    expect(names).toContain('tests/smoke/test_smoke_calc.py::test_smoke_größe');
  }, SLOW);

  it('shows the configured interpreter by its path', async () => {
    const dir = await workspace('pyproj-repro');
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    const r = cli(['run', '--cwd', dir, '--python', python, '--producer', 'command', '--producer-command', 'exit 3', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const bundle = JSON.parse(r.stdout);
    expect(bundle.repro_commands[0]).toBe(`${python} -m pytest -q tests/smoke -k smoke --maxfail=3 -rf`);
    const rerun = spawnSync('/bin/sh', ['-c', bundle.repro_commands[0]], { cwd: dir, encoding: 'utf8' });
    expect(rerun.status).toBe(1);
  }, SLOW);
});

// ---------------------------------------------------------------------------------------------
// 3. One loop per workspace (PRODUCT.md 23)

async function waitFor(path: string, child: { exitCode: number | null }): Promise<void> {
  while (!existsSync(path)) {
    if (child.exitCode !== null) throw new Error(`the first run ended (exit ${child.exitCode}) before its producer was called`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('3. one loop per workspace', () => {
  it('a second CLI run and restore are refused at once while the first runs; a stale lock is taken over', async () => {
    const dir = await workspace('pyproj-loop');
    const ready = join(dir, '..', `${dir.split('/').pop()}-ready`);
    const go = `${ready}-go`;
    made.push(ready, go);
    // The first run's producer waits until the test lets it go: the loop holds the lock meanwhile.
    const waiting = `touch '${ready}'; while [ ! -f '${go}' ]; do sleep 0.1; done; exit 3`;
    const errPath = `${ready}-stderr`;
    made.push(errPath);
    const errFd = openSync(errPath, 'w');
    const first = spawn('node', [CLI, 'run', '--cwd', dir, '--producer', 'command', '--producer-command', waiting], { env: cliEnv(), stdio: ['ignore', 'ignore', errFd] });
    closeSync(errFd);
    const firstExit = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    try {
      await waitFor(ready, first);
      const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
      expect(lock.pid).toBe(first.pid);

      const second = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3']);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`pid ${first.pid}`);
      expect(second.stderr).toContain(`started ${lock.startedAt}`);
      // Refused before touching anything: the first run's log is whole and still its own.
      expect(runLog(dir).filter((l) => l.kind === 'start')).toHaveLength(1);
      expect(existsSync(join(dir, 'artifacts', 'previous'))).toBe(false);

      const restore = cli(['restore', '--cwd', dir]);
      expect(restore.code).toBe(2);
      expect(restore.stderr).toContain(`pid ${first.pid}`);
    } finally {
      await writeFile(go, '');
    }
    expect(await firstExit).toBe(1);
    expect(readFileSync(errPath, 'utf8')).not.toMatch(/Took over/);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    // A lock left by a process that is gone is taken over, with one line saying so.
    const dead = spawnSync('true');
    expect(isAlive(dead.pid!)).toBe(false);
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: dead.pid, startedAt: '2026-01-01T00:00:00.000Z', purpose: 'run', processStart: null }));
    const third = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3']);
    expect(third.code, third.stderr).toBe(1);
    const tookOver = third.stderr.split('\n').filter((l) => /Took over the workspace lock/.test(l));
    expect(tookOver).toEqual([`[warn] Took over the workspace lock of pid ${dead.pid} (started 2026-01-01T00:00:00.000Z), which is no longer running.`]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(cli(['restore', '--cwd', dir]).code).toBe(0);
  }, SLOW);
});

// ---------------------------------------------------------------------------------------------
// 4. A producer that cannot start (PRODUCT.md 25)

describe('4. a producer that cannot start', () => {
  it('check names it; run stops before pytest with exit 2 and the command named', async () => {
    const dir = await workspace('pyproj-loop');
    const check = cli(['check', '--cwd', dir, '--producer', 'command', '--producer-command', 'no-such-model-cli --diff']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/✗ Patch producer \(command\): the producer command "no-such-model-cli --diff" cannot start: no-such-model-cli is not on PATH — Set producerCommand \(--producer-command\)/);
    const ok = cli(['check', '--cwd', dir, '--producer', 'command', '--producer-command', BY_EXCEPTION]);
    expect(ok.stdout).toMatch(/✓ Patch producer \(command\): .*python3 is \//);
    expect(ok.code).toBe(0);
    const openai = cli(['check', '--cwd', dir, '--producer', 'openai', '--openai-api-key-env', 'NO_SUCH_KEY_VAR'], { NO_SUCH_KEY_VAR: '' });
    expect(openai.stdout).toMatch(/✗ Patch producer \(openai\): the environment variable NO_SUCH_KEY_VAR holds no API key/);

    const run = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'no-such-model-cli --diff']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/The patch producer cannot start: the producer command "no-such-model-cli --diff" cannot start/);
    expect(existsSync(join(dir, 'artifacts', 'smoke.xml'))).toBe(false);
  }, SLOW);

  it('a command that fails to start at call time (exit 127) stops the loop at once: exit 2, no attempts spent', async () => {
    const dir = await workspace('pyproj-loop');
    const wrapper = join(dir, '..', `${dir.split('/').pop()}-propose.sh`);
    made.push(wrapper);
    await writeFile(wrapper, '#!/bin/sh\nexec no-such-model-cli --diff "$@"\n');
    await chmod(wrapper, 0o755);
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', wrapper]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`The producer command "${wrapper}" cannot start (exit 127, the program was not found`);
    expect(r.stderr).toMatch(/Set producerCommand \(--producer-command\)/);
    const log = runLog(dir);
    expect(log.filter((l) => l.kind === 'run')).toHaveLength(1); // the baseline only
    expect(log.filter((l) => l.kind === 'verdict')).toEqual([]);
    expect(existsSync(join(dir, 'artifacts', 'escalation.json'))).toBe(false);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, SLOW);
});

// ---------------------------------------------------------------------------------------------
// 5. The artifacts of one run (PRODUCT.md 21)

describe('5. the artifacts of one run', () => {
  it("moves the previous run's results to artifacts/previous, keeps one run in the log, and keeps its files out of git status", async () => {
    const dir = await workspace('pyproj-loop');
    // The project ignores Python's caches, not the product's files: those the product keeps out itself.
    await writeFile(join(dir, '.gitignore'), '__pycache__/\n.pytest_cache/\n');
    git(dir, 'commit', '-qam', 'ignore only the caches');

    const first = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3']);
    expect(first.code, first.stderr).toBe(1);
    expect(existsSync(join(dir, 'artifacts', 'escalation.json'))).toBe(true);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const exclude = readFileSync(join(dir, '.git', 'info', 'exclude'), 'utf8');
    expect(exclude).toContain('/artifacts/\n/requirements.snapshot.txt\n/.smokes-fixer/\n');

    const second = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', `python3 ${join(FIXTURES, 'producers', 'calc-producer.py')}`]);
    expect(second.code, second.stderr).toBe(0);
    const current = (await readdir(join(dir, 'artifacts'))).sort();
    expect(current).toContain('summary.json');
    expect(current).not.toContain('escalation.json');
    expect(current).toContain('previous');
    const previous = (await readdir(join(dir, 'artifacts', 'previous'))).sort();
    expect(previous).toEqual(expect.arrayContaining(['escalation.json', 'run-log.jsonl', 'smoke.xml']));
    expect(previous).not.toContain('summary.json');
    expect(runLog(dir).filter((l) => l.kind === 'start')).toHaveLength(1);
    // The exclude lines are added once, however many runs.
    expect(readFileSync(join(dir, '.git', 'info', 'exclude'), 'utf8')).toBe(exclude);
    // The fixes are the only change git reports.
    expect(git(dir, 'status', '--porcelain').trim()).toBe('M calc/__init__.py');

    // One generation: a third run drops the first run's files.
    cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3']);
    expect(existsSync(join(dir, 'artifacts', 'previous', 'escalation.json'))).toBe(false);
    expect(existsSync(join(dir, 'artifacts', 'previous', 'summary.json'))).toBe(true);
  }, SLOW);

  it('adds the exclude lines in a linked worktree, in a .git-file layout and for a subfolder; none outside git', async () => {
    const dir = await workspace('pyproj-loop');
    const tree = `${dir}-worktree`;
    made.push(tree);
    git(dir, 'worktree', 'add', '-q', tree);
    expect(await excludeOwnFiles(tree)).toEqual(['/artifacts/', '/requirements.snapshot.txt', '/.smokes-fixer/']);
    expect(readFileSync(join(dir, '.git', 'info', 'exclude'), 'utf8')).toContain('/.smokes-fixer/');

    const separate = `${dir}-separate`;
    const gitDir = `${dir}-separate.git`;
    made.push(separate, gitDir);
    await mkdir(join(separate, 'svc'), { recursive: true });
    git(separate, 'init', '-q', '--separate-git-dir', gitDir);
    expect(statSync(join(separate, '.git')).isFile()).toBe(true);
    expect(await excludeOwnFiles(join(separate, 'svc'))).toEqual(['/svc/artifacts/', '/svc/requirements.snapshot.txt', '/svc/.smokes-fixer/']);
    expect(readFileSync(join(gitDir, 'info', 'exclude'), 'utf8')).toContain('/svc/artifacts/');

    const plain = await workspace('pyproj-loop', { git: false });
    expect(await excludeOwnFiles(plain)).toEqual([]);
    expect(existsSync(join(plain, '.git'))).toBe(false);
  }, SLOW);
});

// ---------------------------------------------------------------------------------------------
// 6. Output in the run log

describe('6. output in the run log', () => {
  it('a test printing tens of MB: the log and the output file stay bounded, and so does memory', async () => {
    const dir = await workspace('pyproj-loop');
    await writeFile(
      join(dir, 'tests', 'smoke', 'test_smoke_loud.py'),
      'import sys\n\n\ndef test_smoke_loud():\n    line = "x" * 999 + "\\n"\n    for _ in range(30_000):\n        sys.stdout.write(line)\n    assert False, "loud and failing"\n',
    );
    await writeFile(join(dir, '.smokes-fixer.json'), JSON.stringify({ select: ['tests/smoke/test_smoke_loud.py'] }));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'a loud test');
    const out = `${dir}-stdout`;
    made.push(out);
    const fd = openSync(out, 'w');
    const child = spawn('node', [CLI, 'run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 1'], { env: cliEnv(), stdio: ['ignore', fd, fd] });
    closeSync(fd);
    // Peak resident memory of the CLI, read from the kernel while it runs (VmHWM only grows).
    let peakKb = 0;
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        /* ended */
      }
    }, 50);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(sample);
    expect(code, readFileSync(out, 'utf8').slice(-3000)).toBe(1);

    // The loud test ran three times (baseline, --tb=short, attempt 3 with -s): ~30 MB each through the loop.
    const printed = statSync(out).size;
    expect(printed).toBeGreaterThan(25_000_000);
    const logSize = statSync(join(dir, 'artifacts', 'run-log.jsonl')).size;
    expect(logSize).toBeLessThan(1_000_000);
    const outputs = runLog(dir).filter((l) => l.kind === 'output' && l.source === 'pytest');
    expect(outputs).toHaveLength(3);
    for (const o of outputs) {
      expect(o.omitted as number).toBeGreaterThan(1_000_000);
      expect(o.text as string).toMatch(/characters of output left out here/);
      expect((o.text as string).length).toBeLessThan(40_000);
    }
    expect(outputs[2].text as string).toMatch(/1 failed/); // the tail is kept: pytest's summary line
    const file = readFileSync(join(dir, 'artifacts', 'pytest-output.txt'), 'utf8');
    expect(file.length).toBeLessThan(5_100_000);
    expect(file).toMatch(/characters of output left out here/);
    expect(file).toMatch(/1 failed/);
    expect(file).not.toContain('\u001b['); // plain text
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(300 * 1024);
  }, SLOW);
});

// ---------------------------------------------------------------------------------------------
// 7. The project's interpreter (PRODUCT.md 27)

async function venvWithDependency(dir: string, name: string): Promise<string> {
  // pytest comes from the base interpreter (system site packages); the dependency only from the venv.
  execFileSync('python3', ['-m', 'venv', '--without-pip', '--system-site-packages', join(dir, name)]);
  const site = execFileSync(join(dir, name, 'bin', 'python'), ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).trim();
  await writeFile(join(site, 'projdep.py'), 'def answer():\n    return 42\n');
  return join(dir, name, 'bin', 'python');
}

describe("7. the project's interpreter", () => {
  it("finds the workspace's .venv, names it in the plan and the repro commands; another interpreter without the dependency is an environment error", async () => {
    const dir = await workspace('pyproj-loop');
    await writeFile(join(dir, 'tests', 'smoke', 'test_smoke_dep.py'), 'import projdep\n\n\ndef test_smoke_dep():\n    assert projdep.answer() == 42\n');
    await writeFile(join(dir, 'calc', '__init__.py'), readFileSync(join(dir, 'calc', '__init__.py'), 'utf8').replace('a - b', 'a + b').replace('a // b', 'a / b'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'a dependency');
    await venvWithDependency(dir, '.venv');
    const log = join(dir, '..', `${dir.split('/').pop()}-calls.log`);
    made.push(log);

    const check = cli(['check', '--cwd', dir]);
    expect(check.stdout).toMatch(/✓ Python interpreter: .*\/\.venv\/bin\/python: the workspace's \.venv\/ \(no interpreter configured, none activated\)/);

    const ok = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', BY_EXCEPTION, '--json'], { PRODUCER_LOG: log });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Run the baseline with the workspace's \.venv\/.*: \.venv\/bin\/python -m pytest -q tests\/smoke -k smoke --maxfail=3 -rf/);
    expect(JSON.parse(ok.stdout).repro_commands).toEqual(['.venv/bin/python -m pytest -q tests/smoke -k smoke --maxfail=3 -rf']);

    // Another interpreter that lacks projdep: stop before any producer, exit 2, module and interpreter named.
    const wrong = cli(['run', '--cwd', dir, '--python', 'python3', '--producer', 'command', '--producer-command', BY_EXCEPTION], { PRODUCER_LOG: log });
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toMatch(/cannot import the module "projdep": it is not in the workspace and the interpreter python3 does not have it/);
    expect(wrong.stderr).toMatch(/--python PATH, or pythonPath in \.smokes-fixer\.json; in VS Code the "Python: Select Interpreter" picker/);
    expect(producerCalls(log)).toEqual([]);

    // An activated virtual environment comes before the workspace's.
    const other = await venvWithDependency(join(dir, '..'), `${dir.split('/').pop()}-active-venv`);
    made.push(join(dir, '..', `${dir.split('/').pop()}-active-venv`));
    const active = cli(['check', '--cwd', dir], { VIRTUAL_ENV: join(other, '..', '..') });
    expect(active.stdout).toContain(`✓ Python interpreter: ${other}: the activated virtual environment`);
  }, SLOW);

  it('a first-party module renamed in the workspace is still a failure to repair', async () => {
    const dir = await workspace('pyproj-loop');
    git(dir, 'mv', 'calc', 'calculator');
    git(dir, 'commit', '-qm', 'rename calc (the tests still import it)');
    const log = join(dir, '..', `${dir.split('/').pop()}-calls.log`);
    made.push(log);
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', BY_EXCEPTION], { PRODUCER_LOG: log });
    expect(r.code, r.stderr).toBe(1); // the producer has nothing prepared: an escalation, not a set-up error
    const calls = producerCalls(log);
    expect(calls).toHaveLength(1);
    expect(calls[0].target.exceptionType).toBe('ModuleNotFoundError');
  }, SLOW);
});
