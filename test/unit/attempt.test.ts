import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { afterAttempt, driveAttempts, nextStep, Stop, vetAnswer, WriteJournal, type AttemptEnv, type Progress } from '../../src/core/attempt';
import { AttemptLedger } from '../../src/core/ledger';
import { ProcessTracker } from '../../src/core/processes';
import { makeSignature } from '../../src/core/signature';
import { silentLogger, type Failure, type LoopEvent, type PatchProducer, type ProducerResult, type PytestRun, type RunLabel } from '../../src/core/types';
import { planFileUndo, type LoopWrite } from '../../src/core/workingTree';
import { MemoryTree } from './helpers/memoryTree';

// The attempt's stages and the loop's stop conditions against canned pytest runs and an in-memory
// working tree: no pytest, no git, no disk writes.

const WORKSPACE = mkdtempSync(join(tmpdir(), 'sf-attempt-')); // empty: only path resolution looks at it
const ADD = 'tests/smoke/test_calc.py::test_smoke_add';
const DIV = 'tests/smoke/test_calc.py::test_smoke_div';
const MUL = 'tests/smoke/test_calc.py::test_smoke_mul';
const CALC = 'def add(a, b):\n    return a - b\n\n\ndef div(a, b):\n    return a // b\n\n\ndef mul(a, b):\n    return a * b\n';

function failure(nodeid: string): Failure {
  const f: Failure = { nodeid, kind: 'failed', exceptionType: 'AssertionError', location: null, message: `${nodeid} fails`, signature: '' };
  f.signature = makeSignature(f);
  return f;
}

/** A pytest run of the three tests, judged from the tree's calc.py as a real run would be. */
function runOf(tree: MemoryTree, label: RunLabel): PytestRun {
  const calc = tree.read('calc.py') ?? '';
  const outcome = {
    [ADD]: calc.includes('return a + b'),
    [DIV]: calc.includes('return a / b'),
    [MUL]: calc.includes('return a * b'),
  };
  const tests = Object.entries(outcome).map(([nodeid, ok]) => ({ nodeid, outcome: ok ? ('passed' as const) : ('failed' as const), durationMs: 1 }));
  const failed = tests.filter((t) => t.outcome === 'failed');
  return {
    label,
    command: 'pytest -q tests/smoke -k smoke --maxfail=3 -rf',
    argv: [],
    cwd: tree.workspace,
    exitCode: failed.length ? 1 : 0,
    exitMeaning: failed.length ? 'failed' : 'passed',
    tests,
    failures: failed.map((t) => failure(t.nodeid)),
    counts: { passed: tests.length - failed.length, failed: failed.length, errors: 0, skipped: 0, xfailed: 0, xpassed: 0, deselected: 0, total: tests.length },
    output: '',
    junitPath: 'artifacts/smoke.xml',
    collected: tests.map((t) => t.nodeid),
    durationMs: 1,
  };
}

function edit(from: string, to: string, file = 'calc.py'): string {
  const lines = CALC.split('\n');
  const at = lines.indexOf(from);
  return [
    `diff --git a/${file} b/${file}`,
    `--- a/${file}`,
    `+++ b/${file}`,
    `@@ -${at + 1},1 +${at + 1},1 @@`,
    `-${from}`,
    `+${to}`,
    '',
  ].join('\n');
}
const FIX_ADD = edit('    return a - b', '    return a + b');
const FIX_DIV = edit('    return a // b', '    return a / b');
const NOOP = edit('    return a // b', '    return int(a // b)');
const BREAK_MUL = edit('    return a * b', '    return a + b');

class Scripted implements PatchProducer {
  readonly id = 'scripted';
  readonly label = 'scripted';
  calls = 0;
  constructor(private readonly answers: Array<string | ProducerResult>) {}
  async propose(): Promise<ProducerResult> {
    const a = this.answers[this.calls++];
    if (a === undefined) return { kind: 'exhausted', reason: 'script ended' };
    return typeof a === 'string' ? { kind: 'answer', text: a } : a;
  }
}

interface Harness {
  tree: MemoryTree;
  events: LoopEvent[];
  labels: RunLabel[];
  persisted: LoopWrite[][];
  /** The ledger as each publishLedger call saw it. */
  published: string[];
  progress: Progress;
  drive(): Promise<Stop | 'success'>;
}

function harness(
  answers: Array<string | ProducerResult>,
  o: { maxLoops?: number; retries?: number; onRun?: (label: RunLabel, tree: MemoryTree) => void; review?: 'apply' | 'reject'; literalReset?: () => Promise<void> } = {},
): Harness {
  const tree = new MemoryTree(WORKSPACE, { 'calc.py': CALC, 'README.md': '# calc\n' });
  const events: LoopEvent[] = [];
  const labels: RunLabel[] = [];
  const persisted: LoopWrite[][] = [];
  const published: string[] = [];
  const ledger = new AttemptLedger(o.retries ?? 3, o.maxLoops ?? 10);
  const baseline = runOf(tree, 'baseline');
  ledger.observe(baseline.failures);
  const progress: Progress = {
    ledger,
    baseline,
    current: baseline,
    journal: new WriteJournal(async (w) => void persisted.push(w)),
    appliedPatches: [],
    lastPatchAt: null,
    lastPatchDiff: null,
    investigated: new Set(),
    previousAttempts: new Map(),
  };
  const env: AttemptEnv = {
    workspace: WORKSPACE,
    runId: 'run-1',
    selection: { select: [], markExpr: '' },
    allowTestEdits: false,
    producer: new Scripted(answers),
    tree,
    signal: new AbortController().signal,
    log: silentLogger,
    tracker: new ProcessTracker(),
    reviewPatch: o.review ? async () => o.review! : undefined,
    runTests: async (label) => {
      labels.push(label);
      o.onRun?.(label, tree);
      return runOf(tree, label);
    },
    emit: (e) => events.push(e),
    validate: () => undefined,
    record: () => undefined,
    publishLedger: () => void published.push(ledger.all().map((x) => `${x.nodeid.split('::')[1]}:${x.attempts}:${x.state}`).join(',')),
    literalReset: o.literalReset,
  };
  return {
    tree,
    events,
    labels,
    persisted,
    published,
    progress,
    drive: () => driveAttempts(env, progress, { excluded: new Set(), publish: () => undefined }).then(
      () => 'success' as const,
      (e: unknown) => {
        if (e instanceof Stop) return e;
        throw e;
      },
    ),
  };
}

const verdicts = (h: Harness) => h.events.flatMap((e) => (e.type === 'attempt-finished' ? [`${e.nodeid.split('::')[1]}#${e.attempt}:${e.verdict}`] : []));

describe('vetAnswer', () => {
  const rules = { workspace: WORKSPACE, testFiles: ['tests/smoke/test_calc.py'], testDirs: ['tests/smoke'], allowTestEdits: false };

  it('stops on an exhausted producer, spends the attempt on no answer or no diff', async () => {
    expect(await vetAnswer({ kind: 'exhausted', reason: 'x' }, rules)).toMatchObject({ kind: 'stop', reason: 'retry budget', verdict: 'no-patch' });
    expect(await vetAnswer({ kind: 'none', reason: 'x' }, rules)).toMatchObject({ kind: 'spent', verdict: 'no-patch' });
    expect(await vetAnswer({ kind: 'answer', text: 'I would change add.' }, rules)).toMatchObject({ kind: 'spent', verdict: 'no-patch' });
  });

  it('stops on a patch over the limits, with the diff', async () => {
    const files = [1, 2, 3, 4, 5, 6].map((i) => `--- a/m${i}.py\n+++ b/m${i}.py\n@@ -1,1 +1,1 @@\n-a\n+b\n`).join('');
    const v = await vetAnswer({ kind: 'answer', text: files }, rules);
    expect(v).toMatchObject({ kind: 'stop', reason: 'patch size', verdict: 'too-large' });
    expect(v.kind === 'stop' && v.diff).toContain('m6.py');
  });

  it('refuses paths out of the workspace and edits of the smoke tests, and passes a plain patch', async () => {
    expect(await vetAnswer({ kind: 'answer', text: edit('    return a - b', 'x', '../calc.py') }, rules)).toMatchObject({ kind: 'spent', verdict: 'refused' });
    expect(await vetAnswer({ kind: 'answer', text: edit('    return a - b', 'x', 'tests/smoke/test_calc.py') }, rules)).toMatchObject({ kind: 'spent', verdict: 'refused' });
    expect(await vetAnswer({ kind: 'answer', text: FIX_ADD }, rules)).toMatchObject({ kind: 'patch' });
  });
});

describe('stop conditions', () => {
  it('nextStep: success with nothing left, a stop when every signature is spent or the loop limit is reached', () => {
    const ledger = new AttemptLedger(1, 2);
    const a = failure(ADD);
    const b = failure(DIV);
    ledger.observe([a, b]);
    expect(nextStep(ledger, [])).toEqual({ kind: 'success' });
    expect(nextStep(ledger, [a, b])).toMatchObject({ kind: 'attempt', target: { nodeid: ADD } });
    ledger.begin(a.signature);
    ledger.markUnfixed(a.signature);
    expect(nextStep(ledger, [a])).toMatchObject({ kind: 'stop', reason: 'retry budget', detail: expect.stringContaining('exhausted') });
    ledger.begin(b.signature);
    expect(nextStep(new AttemptLedger(3, 2), [])).toEqual({ kind: 'success' });
    const limited = new AttemptLedger(3, 1);
    limited.observe([a]);
    limited.begin(a.signature);
    expect(nextStep(limited, [a])).toMatchObject({ kind: 'stop', reason: 'retry budget', detail: expect.stringContaining('loop limit (1)') });
  });

  it('afterAttempt: a kept patch that fixed its signature settles it; a third miss exhausts it', () => {
    const tree = new MemoryTree(WORKSPACE, { 'calc.py': CALC });
    const ledger = new AttemptLedger(3, 10);
    const a = failure(ADD);
    ledger.observe([a]);
    ledger.begin(a.signature);
    tree.write('calc.py', CALC.replace('a - b', 'a + b'));
    const run = runOf(tree, 'verification');
    expect(afterAttempt(ledger, { signature: a.signature, nodeid: ADD, attempt: 1, verdict: 'kept', remaining: run.failures, current: run })).toBeNull();
    expect(ledger.get(a.signature)?.state).toBe('fixed');
    const b = failure(DIV);
    ledger.observe([b]);
    for (const n of [1, 2]) {
      ledger.begin(b.signature);
      expect(afterAttempt(ledger, { signature: b.signature, nodeid: DIV, attempt: n, verdict: 'reverted', remaining: [b], current: run })).toBeNull();
    }
    ledger.begin(b.signature);
    expect(afterAttempt(ledger, { signature: b.signature, nodeid: DIV, attempt: 3, verdict: 'reverted', remaining: [b], current: run })).toMatchObject({ reason: 'retry budget' });
  });
});

describe('driveAttempts', () => {
  it('keeps the patches that fix, until everything passes', async () => {
    const h = harness([FIX_ADD, FIX_DIV]);
    expect(await h.drive()).toBe('success');
    expect(verdicts(h)).toEqual(['test_smoke_add#1:kept', 'test_smoke_div#1:kept']);
    expect(h.tree.read('calc.py')).toContain('return a + b');
    expect(h.tree.read('calc.py')).toContain('return a / b');
    expect(h.progress.appliedPatches).toHaveLength(2);
    // Every write was on record before it happened.
    expect(h.persisted.at(-1)?.map((w) => w.path)).toEqual(['calc.py', 'calc.py']);
    expect(h.progress.journal.all()).toHaveLength(2);
  });

  it('reverts a patch that fixes nothing, re-runs with more detail, and stops when the signature is exhausted', async () => {
    const h = harness([NOOP, NOOP, NOOP]);
    const stop = await h.drive();
    expect(stop).toBeInstanceOf(Stop);
    expect((stop as Stop).reason).toBe('retry budget');
    expect((stop as Stop).detail).toContain('exhausted');
    expect(verdicts(h)).toEqual(['test_smoke_add#1:reverted', 'test_smoke_add#2:reverted', 'test_smoke_add#3:reverted']);
    expect(h.labels).toEqual(['verification', 'attempt', 'verification', 'rerun', 'verification']);
    expect(h.tree.read('calc.py')).toBe(CALC);
    expect(h.progress.journal.all()).toEqual([]);
    // The attempt-2 run changed the ledger: the faces heard of it then, not only after the attempt.
    expect(h.published).toContain('test_smoke_add:2:open,test_smoke_div:0:open');
  });

  it('rolls back every write of the loop on a regression and stops with regression', async () => {
    const h = harness([FIX_ADD, BREAK_MUL]);
    const stop = (await h.drive()) as Stop;
    expect(stop.reason).toBe('regression');
    expect(stop.conflicts).toEqual([]);
    expect(h.tree.read('calc.py')).toBe(CALC);
    expect(h.events.find((e) => e.type === 'rollback')).toMatchObject({ files: ['calc.py'], conflicts: [] });
  });

  it('uses the literal reset instead of undoing file by file when the user opted in', async () => {
    let resets = 0;
    const h = harness([FIX_ADD, BREAK_MUL], { literalReset: async () => void resets++ });
    const stop = (await h.drive()) as Stop;
    expect(stop.reason).toBe('regression');
    expect(resets).toBe(1);
    expect(h.events.filter((e) => e.type === 'command' && e.purpose === 'rollback').map((e) => e.type === 'command' && e.command)).toEqual(['git reset --hard && git clean -fd']);
    expect(h.progress.journal.all()).toEqual([]);
  });

  it('stops with patch size on an oversized patch and leaves the tree alone', async () => {
    const big = `--- a/calc.py\n+++ b/calc.py\n@@ -1,1 +1,201 @@\n-def add(a, b):\n${Array.from({ length: 201 }, (_, i) => `+# ${i}`).join('\n')}\n`;
    const h = harness([big]);
    const stop = (await h.drive()) as Stop;
    expect(stop.reason).toBe('patch size');
    expect(h.progress.lastPatchDiff).toContain('+# 200');
    expect(h.tree.read('calc.py')).toBe(CALC);
  });

  it('stops with retry budget when the producer has nothing left', async () => {
    const stop = (await harness([]).drive()) as Stop;
    expect(stop.reason).toBe('retry budget');
    expect(stop.detail).toContain('nothing left');
  });

  it('stops at the loop limit', async () => {
    const h = harness([NOOP, NOOP], { maxLoops: 2 });
    const stop = (await h.drive()) as Stop;
    expect(stop.detail).toContain('loop limit (2)');
    expect(verdicts(h)).toHaveLength(2);
  });

  it('spends the attempt on a patch rejected in the review, and on one that does not apply', async () => {
    const rejected = harness([FIX_ADD], { review: 'reject', retries: 1 });
    expect(((await rejected.drive()) as Stop).reason).toBe('retry budget');
    expect(verdicts(rejected)).toEqual(['test_smoke_add#1:rejected-by-user']);
    expect(rejected.tree.read('calc.py')).toBe(CALC);

    const stale = harness([edit('    return a - b', 'x').replace('-    return a - b', '-    return a - c')], { retries: 1 });
    await stale.drive();
    expect(verdicts(stale)).toEqual(['test_smoke_add#1:not-applied']);
    expect(stale.progress.journal.all()).toEqual([]);
  });

  it('leaves a file the loop did not write alone when it reverts, whatever happened to it', async () => {
    const h = harness([NOOP], {
      retries: 1,
      onRun: (label, tree) => {
        if (label !== 'verification') return;
        tree.write('README.md', '# calc\nmore\n');
        tree.write('notes.txt', 'new\n');
      },
    });
    await h.drive();
    expect(h.tree.contents()).toEqual({ 'README.md': '# calc\nmore\n', 'calc.py': CALC, 'notes.txt': 'new\n' });
  });

  it('keeps a patched file someone else changed meanwhile, saves the loop’s intended content aside and stops', async () => {
    const theirs = CALC.replace('return a // b', 'return int(a // b)') + '# theirs\n';
    const h = harness([NOOP, NOOP], {
      onRun: (label, tree) => {
        if (label === 'verification') tree.write('calc.py', theirs);
      },
    });
    const stop = (await h.drive()) as Stop;
    expect(stop.reason).toBe('retry budget');
    expect(stop.conflicts).toEqual([{ path: 'calc.py', copy: '.smokes-fixer/conflicts/run-1/calc.py' }]);
    expect(stop.detail).toContain('calc.py');
    expect(h.tree.read('calc.py')).toBe(theirs);
    expect(h.tree.read('.smokes-fixer/conflicts/run-1/calc.py')).toBe(CALC);
  });

  it('undoes only back to someone else’s change on a regression rollback, and names the file', async () => {
    // add is fixed and kept; the person then edits calc.py; the next patch regresses.
    let verifications = 0;
    const h = harness([FIX_ADD, BREAK_MUL], {
      onRun: (label, tree) => {
        if (label === 'verification' && ++verifications === 1) tree.write('calc.py', tree.read('calc.py')! + '# mine\n');
      },
    });
    const stop = (await h.drive()) as Stop;
    expect(stop.reason).toBe('regression');
    // The regressing patch is taken back; the person's line stays; the state before the loop is aside.
    expect(h.tree.read('calc.py')).toBe(CALC.replace('a - b', 'a + b') + '# mine\n');
    expect(stop.conflicts.map((c) => c.path)).toEqual(['calc.py']);
    expect(h.tree.read(stop.conflicts[0]!.copy)).toBe(CALC);
  });
});

describe('planFileUndo', () => {
  const A = { sha: 'a', mode: '100644' };
  const B = { sha: 'b', mode: '100644' };
  const C = { sha: 'c', mode: '100644' };
  const U = { sha: 'user', mode: '100644' };

  it('takes back a write that is still there, and passes over one that never landed (a crash before it)', () => {
    expect(planFileUndo([{ path: 'f', before: A, after: B }], B)).toEqual({ restoreTo: { state: A }, conflict: undefined });
    expect(planFileUndo([{ path: 'f', before: A, after: B }], A)).toEqual({ restoreTo: null, conflict: undefined });
    expect(planFileUndo([{ path: 'f', before: null, after: B }], B)).toEqual({ restoreTo: { state: null }, conflict: undefined });
    expect(planFileUndo([{ path: 'f', before: A, after: null }], null)).toEqual({ restoreTo: { state: A }, conflict: undefined });
    // Two kept writes, the second never written: back to the first's before.
    expect(planFileUndo([{ path: 'f', before: A, after: B }, { path: 'f', before: B, after: C }], B)).toEqual({ restoreTo: { state: A }, conflict: undefined });
  });

  it('keeps a file someone else changed and names the state the loop wanted', () => {
    expect(planFileUndo([{ path: 'f', before: A, after: B }], U)).toEqual({ restoreTo: null, conflict: A });
    expect(planFileUndo([{ path: 'f', before: null, after: B }], U)).toEqual({ restoreTo: null, conflict: null });
    // Someone edited between two writes: the later write is taken back down to their version.
    expect(planFileUndo([{ path: 'f', before: A, after: B }, { path: 'f', before: U, after: C }], C)).toEqual({ restoreTo: { state: U }, conflict: A });
    // The mode counts as part of the state.
    expect(planFileUndo([{ path: 'f', before: A, after: B }], { sha: 'b', mode: '100755' })).toEqual({ restoreTo: null, conflict: A });
  });
});
