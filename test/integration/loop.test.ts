import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runLoop, restoreLastSnapshot } from '../../src/core/loop';
import { defaultSettings, settingsSchema, type Settings } from '../../src/core/settings';
import { bundleSchema, BUNDLE_KEY_ORDER } from '../../src/core/bundle';
import type { LoopEvent, LoopOutcome } from '../../src/core/types';
import {
  BREAK_MUL,
  FIX_ADD,
  FIX_DIV,
  NOOP_LABEL,
  ScriptedProducer,
  git,
  makeWorkspace,
  removeWorkspace,
  treeBytes,
} from './helpers/workspace';

const made: string[] = [];
afterEach(async () => {
  while (made.length) await removeWorkspace(made.pop()!);
});

async function workspace(o: { git?: boolean } = {}): Promise<string> {
  const dir = await makeWorkspace('pyproj-loop', o);
  made.push(dir);
  return dir;
}

function settings(over: Partial<Settings> = {}): Settings {
  return settingsSchema.parse({ ...over });
}

async function run(dir: string, producer: ScriptedProducer, over: Partial<Settings> = {}, extra: { signal?: AbortSignal; onEvent?: (e: LoopEvent) => void; env?: NodeJS.ProcessEnv } = {}) {
  const events: LoopEvent[] = [];
  const outcome = await runLoop({
    workspace: dir,
    settings: settings(over),
    producer,
    python: 'python3',
    env: extra.env,
    signal: extra.signal,
    onEvent: (e) => {
      events.push(e);
      extra.onEvent?.(e);
    },
  });
  return { outcome, events };
}

function readBundle(dir: string) {
  const text = readFileSync(join(dir, 'artifacts', 'escalation.json'), 'utf8');
  const parsed = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual([...BUNDLE_KEY_ORDER]);
  return bundleSchema.parse(parsed);
}

function escalated(outcome: LoopOutcome) {
  if (outcome.kind !== 'escalated') throw new Error(`expected escalation, got ${outcome.kind}: ${JSON.stringify(outcome).slice(0, 500)}`);
  return outcome;
}

describe('the repair loop against real pytest and git', () => {
  it('does not call a run a success while failures it was told to leave alone still fail', async () => {
    const dir = await workspace();
    // Each run stops once one signature is spent (one attempt here): two runs learn the fixture's two.
    const excluded: string[] = [];
    for (let i = 0; i < 2; i++) {
      const events: LoopEvent[] = [];
      escalated(await runLoop({ workspace: dir, settings: settings({ retries: 1 }), producer: new ScriptedProducer([]), python: 'python3', excludedSignatures: [...excluded], onEvent: (e) => events.push(e) }));
      const started = [...new Set(events.flatMap((e) => (e.type === 'attempt-started' ? [e.signature] : [])))];
      expect(started).toHaveLength(1);
      excluded.push(started[0]!);
    }
    expect(new Set(excluded).size).toBe(2);

    const producer = new ScriptedProducer([FIX_ADD]);
    const outcome = escalated(await runLoop({ workspace: dir, settings: settings(), producer, python: 'python3', excludedSignatures: excluded, onEvent: () => {} }));
    expect(producer.requests).toHaveLength(0);
    expect(outcome.reason).toBe('retry budget');
    expect(JSON.stringify(outcome)).toMatch(/excluded from repair and still fail: .*test_/);
  });

  it('keeps good patches and ends with every test passing', async () => {
    const dir = await workspace();
    const producer = new ScriptedProducer([FIX_ADD, `Here is the fix:\n\n\`\`\`diff\n${FIX_DIV}\`\`\`\nIt divides properly.`]);
    const { outcome, events } = await run(dir, producer);

    expect(outcome.kind).toBe('success');
    const source = await readFile(join(dir, 'calc', '__init__.py'), 'utf8');
    expect(source).toContain('return a + b');
    expect(source).toContain('return a / b');
    // The checklist comes first, with 3–7 bullets; every run is followed by a validation.
    expect(events[0]?.type).toBe('checklist');
    const items = (events[0] as Extract<LoopEvent, { type: 'checklist' }>).items;
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(items.length).toBeLessThanOrEqual(7);
    const runs = events.filter((e) => e.type === 'run-finished').length;
    expect(events.filter((e) => e.type === 'validation').length).toBeGreaterThanOrEqual(runs);
    // Attempt 1 works from the baseline command; the request names the target and the limits.
    expect(producer.requests[0]!.attempt).toBe(1);
    expect(producer.requests[0]!.target.nodeid).toBe('tests/smoke/test_smoke_calc.py::test_smoke_add');
    expect(producer.requests[0]!.pytest.command).toContain('python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf');
    expect(producer.requests[0]!.limits).toEqual({ maxFiles: 5, maxChangedLines: 200 });
    // The assert names only the test's line; the code under test comes with the request too.
    expect(producer.requests[0]!.relatedSources.map((r) => r.file)).toContain('calc/__init__.py');
    // Artifacts and a summary on success; no bundle.
    expect(existsSync(join(dir, 'artifacts', 'smoke.xml'))).toBe(true);
    expect(existsSync(join(dir, 'artifacts', 'smoke.html'))).toBe(true);
    expect(existsSync(join(dir, 'requirements.snapshot.txt'))).toBe(true);
    expect(existsSync(join(dir, 'artifacts', 'escalation.json'))).toBe(false);
    const summary = JSON.parse(readFileSync(join(dir, 'artifacts', 'summary.json'), 'utf8'));
    expect(summary.status).toBe('success');
    expect(summary.applied_patches).toHaveLength(2);
    // The run log holds every event, the requests and the diffs.
    const log = readFileSync(join(dir, 'artifacts', 'run-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.some((r) => r.kind === 'applied' && r.diff.includes('return a + b'))).toBe(true);
    expect(log.filter((r) => r.kind === 'request')).toHaveLength(2);
  });

  it('rolls back to the tree before the first patch on regression, keeping the user\'s uncommitted work byte for byte', async () => {
    const dir = await workspace();
    // The user's own work: an uncommitted edit, a staged new file and an untracked file.
    await writeFile(join(dir, 'calc', '__init__.py'), (await readFile(join(dir, 'calc', '__init__.py'), 'utf8')) + '\n# my note, not committed\n');
    await writeFile(join(dir, 'NOTES.md'), 'draft\r\nno final newline');
    await writeFile(join(dir, 'staged.txt'), 'staged\n');
    git(dir, 'add', 'staged.txt');
    const indexBefore = git(dir, 'diff', '--cached', '--name-status');
    const before = await treeBytes(dir);

    // A good patch is kept first, then a regressing one: the rollback undoes both.
    const producer = new ScriptedProducer([FIX_ADD, BREAK_MUL]);
    const { outcome, events } = await run(dir, producer);
    const result = escalated(outcome);
    expect(result.reason).toBe('regression');
    expect(await treeBytes(dir)).toEqual(before);
    expect(git(dir, 'diff', '--cached', '--name-status')).toBe(indexBefore);
    expect(events.some((e) => e.type === 'rollback')).toBe(true);

    const bundle = readBundle(dir);
    expect(bundle.reason).toBe('regression');
    expect(bundle.last_patch_diff).toContain('return a * b + 1');
    expect(bundle.repro_commands[0]).toBe('python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf');
    expect(bundle.artifacts).toEqual(['artifacts/smoke.html', 'artifacts/smoke.xml', 'requirements.snapshot.txt']);
    expect(bundle.failures.map((f) => f.nodeid).sort()).toEqual([
      'tests/smoke/test_smoke_calc.py::test_smoke_add',
      'tests/smoke/test_smoke_calc.py::test_smoke_div',
    ]);
    // A plain pytest project: freshness is not configured, but the bundle holds what could be collected.
    expect(bundle.exec_rpc_freshness).not.toBeNull();
  });

  it('reverts a patch that fixes nothing, escalates verbosity per attempt, and stops when the signature is exhausted', async () => {
    const dir = await workspace();
    const original = await treeBytes(dir);
    const producer = new ScriptedProducer([NOOP_LABEL, NOOP_LABEL, NOOP_LABEL, FIX_DIV]);
    const { outcome, events } = await run(dir, producer);
    const result = escalated(outcome);
    expect(result.reason).toBe('retry budget');
    expect(producer.requests.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(producer.requests.map((r) => r.target.nodeid)).toEqual(Array(3).fill('tests/smoke/test_smoke_calc.py::test_smoke_add'));
    expect(producer.requests[1]!.pytest.command).toBe('python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf --tb=short');
    expect(producer.requests[2]!.pytest.command).toBe('python3 -m pytest -vv -l -s --tb=long --maxfail=1 tests/smoke/test_smoke_calc.py::test_smoke_add');
    // Every attempt starts from the same tree, and the escalation leaves no half-fixes.
    expect(await treeBytes(dir)).toEqual(original);
    expect(events.filter((e) => e.type === 'patch-reverted')).toHaveLength(3);
    expect(producer.requests[2]!.previousAttempts.map((a) => a.verdict)).toEqual(['reverted', 'reverted']);

    const bundle = readBundle(dir);
    expect(bundle.repro_commands).toEqual([
      'python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf',
      'python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf --tb=short',
      'python3 -m pytest -vv -l -s --tb=long --maxfail=1 tests/smoke/test_smoke_calc.py::test_smoke_add',
    ]);
    const add = bundle.failures.find((f) => f.nodeid.endsWith('test_smoke_add'));
    expect(add?.attempts).toBe(3);
    expect(add?.signature).toContain('AssertionError');
    expect(add?.signature).toContain('tests/smoke/test_smoke_calc.py:5');
  });

  it('stops with "patch size" on a patch over the limits and writes nothing', async () => {
    const dir = await workspace();
    const original = await treeBytes(dir);
    const files = Array.from({ length: 6 }, (_, i) => `diff --git a/new${i}.py b/new${i}.py\nnew file mode 100644\n--- /dev/null\n+++ b/new${i}.py\n@@ -0,0 +1 @@\n+x = ${i}\n`).join('');
    const producer = new ScriptedProducer([files]);
    const result = escalated((await run(dir, producer)).outcome);
    expect(result.reason).toBe('patch size');
    expect(await treeBytes(dir)).toEqual(original);
    const bundle = readBundle(dir);
    expect(bundle.last_patch_diff).toContain('new5.py');
  });

  it('refuses a patch that skips the failing test, a hostile path, and a patch that does not apply, spending each attempt', async () => {
    const dir = await workspace();
    const original = await treeBytes(dir);
    const skip = [
      'diff --git a/tests/smoke/test_smoke_calc.py b/tests/smoke/test_smoke_calc.py',
      '--- a/tests/smoke/test_smoke_calc.py',
      '+++ b/tests/smoke/test_smoke_calc.py',
      '@@ -1,4 +1,6 @@',
      '+import pytest',
      ' from calc import add, div, label, mul',
      ' ',
      ' ',
      '+@pytest.mark.skip(reason="flaky")',
      ' def test_smoke_add():',
      '',
    ].join('\n');
    const hostile = '--- a/../outside.py\n+++ b/../outside.py\n@@ -0,0 +1 @@\n+pwned = True\n';
    const stale = FIX_ADD.replace('    return a - b', '    return a - b - 0');
    const producer = new ScriptedProducer([skip, hostile, stale]);
    const { outcome, events } = await run(dir, producer);
    expect(escalated(outcome).reason).toBe('retry budget');
    const verdicts = events.filter((e): e is Extract<LoopEvent, { type: 'attempt-finished' }> => e.type === 'attempt-finished');
    expect(verdicts.map((v) => v.verdict)).toEqual(['refused', 'refused', 'not-applied']);
    expect(verdicts[0]!.detail).toMatch(/test|skip/i);
    expect(verdicts[1]!.detail).toMatch(/outside/i);
    expect(await treeBytes(dir)).toEqual(original);
    expect(existsSync(join(dir, '..', 'outside.py'))).toBe(false);
  });

  it('stops with "retry budget" at the loop limit and when the producer has nothing left', async () => {
    const dir = await workspace();
    const limited = escalated((await run(dir, new ScriptedProducer([NOOP_LABEL, NOOP_LABEL, NOOP_LABEL]), { maxLoops: 2 })).outcome);
    expect(limited.reason).toBe('retry budget');
    expect(limited.detail).toMatch(/loop limit \(2\)/);
    expect(limited.loops).toBe(2);

    const empty = escalated((await run(dir, new ScriptedProducer([]))).outcome);
    expect(empty.reason).toBe('retry budget');
    expect(empty.detail).toMatch(/nothing left/);
  });

  it('ends a hung test when the time budget runs out, with every process it started', async () => {
    const dir = await workspace();
    const marker = `sf-hang-${process.pid}-${Date.now()}`;
    await writeFile(
      join(dir, 'tests', 'smoke', 'test_smoke_hang.py'),
      `import subprocess, time\n\ndef test_smoke_hang():\n    subprocess.Popen(["sh", "-c", "sleep 300; echo ${marker}"])\n    time.sleep(300)\n`,
    );
    const { outcome } = await run(dir, new ScriptedProducer([]), { timeBudgetSeconds: 10 });
    expect(escalated(outcome).reason).toBe('time budget');
    const bundle = readBundle(dir);
    expect(bundle.reason).toBe('time budget');
    let leftovers = '';
    try {
      leftovers = execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' });
    } catch {
      leftovers = '';
    }
    expect(leftovers.trim()).toBe('');
  });

  it('runs tests with ND_SMOKE unset unless live ndsmoke is enabled', async () => {
    const dir = await workspace();
    await writeFile(
      join(dir, 'tests', 'smoke', 'test_smoke_env.py'),
      'import json, os\n\ndef test_smoke_env():\n    keys = ("ND_SMOKE", "ND_SMOKE_TEMPERATURE", "ND_SMOKE_TOP_P")\n    with open("env-seen.json", "w") as f:\n        json.dump({k: os.environ.get(k) for k in keys}, f)\n',
    );
    const inherited = { ...process.env, ND_SMOKE: '1' };
    await run(dir, new ScriptedProducer([]), {}, { env: inherited });
    expect(JSON.parse(readFileSync(join(dir, 'env-seen.json'), 'utf8'))).toEqual({ ND_SMOKE: null, ND_SMOKE_TEMPERATURE: null, ND_SMOKE_TOP_P: null });

    await run(dir, new ScriptedProducer([]), { ndSmoke: true });
    expect(JSON.parse(readFileSync(join(dir, 'env-seen.json'), 'utf8'))).toEqual({ ND_SMOKE: '1', ND_SMOKE_TEMPERATURE: '0', ND_SMOKE_TOP_P: '0' });
  });

  it('works in a folder that is not a git repository, rollback included', async () => {
    const dir = await workspace({ git: false });
    await writeFile(join(dir, 'scratch.txt'), 'mine');
    const before = await treeBytes(dir);
    const result = escalated((await run(dir, new ScriptedProducer([FIX_ADD, BREAK_MUL]))).outcome);
    expect(result.reason).toBe('regression');
    expect(await treeBytes(dir)).toEqual(before);
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });

  it('takes back a patch under verification when cancelled, and `restore` brings back the start', async () => {
    const dir = await workspace();
    const original = await treeBytes(dir);
    const controller = new AbortController();
    let applied = false;
    const { outcome } = await run(dir, new ScriptedProducer([FIX_ADD]), {}, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'patch-applied') applied = true;
        if (applied && e.type === 'command' && e.purpose === 'pytest') setTimeout(() => controller.abort(), 50);
      },
    });
    expect(outcome.kind).toBe('cancelled');
    expect(await treeBytes(dir)).toEqual(original);

    // A kept patch stays after success, and restore undoes it.
    const ok = await run(dir, new ScriptedProducer([FIX_ADD, FIX_DIV]));
    expect(ok.outcome.kind).toBe('success');
    expect(await treeBytes(dir)).not.toEqual(original);
    const restored = await restoreLastSnapshot(dir);
    expect(restored?.written).toContain('calc/__init__.py');
    expect(await treeBytes(dir)).toEqual(original);
  });

  it('does not call a run whose baseline tests were skipped a success', async () => {
    const dir = await workspace();
    // Test edits allowed, one patch that fixes add and skips div: kept (add passes), but div ran in the
    // baseline and is skipped now, so the run is no success.
    const skipDiv = [
      'diff --git a/tests/smoke/test_smoke_calc.py b/tests/smoke/test_smoke_calc.py',
      '--- a/tests/smoke/test_smoke_calc.py',
      '+++ b/tests/smoke/test_smoke_calc.py',
      '@@ -10,5 +10,7 @@',
      ' ',
      ' ',
      '+import pytest',
      '+@pytest.mark.skip(reason="later")',
      ' def test_smoke_div():',
      '     assert div(7, 2) == 3.5',
      ' ',
    ].join('\n') + '\n';
    const { outcome } = await run(dir, new ScriptedProducer([FIX_ADD + skipDiv]), { allowTestEdits: true });
    const result = escalated(outcome);
    expect(result.detail).toMatch(/skipped or not run/);
    expect(result.bundle.failures).toEqual([]);
  });
});

describe('settings defaults follow the spec', () => {
  it('has the spec budgets', () => {
    expect(defaultSettings.maxLoops).toBe(10);
    expect(defaultSettings.retries).toBe(3);
    expect(defaultSettings.timeBudgetSeconds).toBe(600);
    expect(defaultSettings.ndSmoke).toBe(false);
    expect(defaultSettings.allowTestEdits).toBe(false);
  });
});
