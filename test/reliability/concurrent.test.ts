import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { restoreLastSnapshot, runLoop } from '../../src/core/loop';
import { SnapshotStore } from '../../src/core/snapshot';
import { defaultSettings, type Settings } from '../../src/core/settings';
import type { LoopEvent, LoopOutcome } from '../../src/core/types';
import { CommandProducer } from '../../src/producers/command';
import { removeWorkspace } from '../integration/helpers/workspace';
import {
  BREAK_MUL_WIDE,
  compareTrees,
  editScript,
  expectedAfter,
  FIX_ADD,
  FIX_DIV,
  NOOP_WIDE,
  otherProcessEdits,
  SCRIPTED_PRODUCER,
  treeBytes,
  userWorkspace,
  Figures,
  type Step,
} from './helpers';

// PRODUCT.md 26 with the real loop: real pytest, real git, a command producer, while another process
// edits, creates and deletes files in the workspace at each step. Afterwards every change that process
// made is still there byte for byte, and the loop's own writes are undone.

const figures = new Figures('concurrent-edits');
const made: string[] = [];
afterEach(async () => {
  while (made.length) {
    const dir = made.pop()!;
    await removeWorkspace(dir);
    await rm(`${dir}-answers.json`, { force: true });
    await rm(`${dir}-answers.json.n`, { force: true });
  }
});
afterAll(() => figures.write());

/**
 * Runs the loop with the other process editing at every step it reaches: the baseline run, the producer
 * call (inside the producer's own command), the review, the verification run, after the verdict and at the
 * rollback. Returns the steps where the edits landed.
 */
async function runWithEdits(dir: string, script: string, over: Partial<Settings>, o: { alsoEditAt?: Step; alsoEdit?: string; cancelAtVerification?: boolean } = {}) {
  const controller = new AbortController();
  const steps: Step[] = [];
  const events: LoopEvent[] = [];
  // The producer's own command makes the producer-step edits; they are noted when seen, in order.
  const noteProducer = () => {
    if (!steps.includes('producer') && existsSync(join(dir, 'scratch/new-producer.txt'))) steps.push('producer');
  };
  const edit = (step: Step) => {
    noteProducer();
    if (steps.includes(step)) return;
    steps.push(step);
    otherProcessEdits(dir, step, o.alsoEditAt === step ? { alsoEdit: o.alsoEdit } : {});
  };
  let applied = false;
  let pytestRuns = 0;
  const guard = `[ -e scratch/new-producer.txt ] || { ${editScript('producer')}; }`;
  const outcome: LoopOutcome = await runLoop({
    workspace: dir,
    settings: { ...defaultSettings, producer: 'command', producerCommand: `${guard}; SF_SCRIPT=${script} python3 ${SCRIPTED_PRODUCER}`, ...over },
    producer: new CommandProducer({ command: `${guard}; SF_SCRIPT=${script} python3 ${SCRIPTED_PRODUCER}`, cwd: dir, timeoutMs: 60_000 }),
    python: 'python3',
    signal: controller.signal,
    reviewPatch: async () => {
      edit('review');
      return 'apply';
    },
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'command' && e.purpose === 'pytest' && ++pytestRuns === 1) edit('baseline');
      if (e.type === 'patch-applied') applied = true;
      if (e.type === 'command' && e.purpose === 'pytest' && applied) {
        edit('verification');
        if (o.cancelAtVerification) setImmediate(() => controller.abort());
      }
      if (e.type === 'run-finished' && e.run.label === 'verification') edit('judged');
      if (e.type === 'command' && e.purpose === 'rollback') edit('rollback');
    },
  });
  noteProducer();
  return { outcome, events, steps };
}

function check(actual: Record<string, string>, expected: Record<string, string>): void {
  const { compared, differing } = compareTrees(actual, expected);
  figures.tried();
  figures.compared(compared);
  if (differing.length > 0) figures.failed('lost', `differs: ${differing.join(', ')}`);
  expect(differing).toEqual([]);
}

describe('undo leaves concurrent work alone (real loop, real pytest and git)', () => {
  it('a revert undoes only the patch: its edit, its new file and its deletion; every concurrent change stays', async () => {
    const { dir, script } = await userWorkspace([NOOP_WIDE]);
    made.push(dir);
    const before = await treeBytes(dir);
    const { outcome, steps } = await runWithEdits(dir, script, { retries: 1 });
    expect(outcome.kind === 'escalated' && outcome.reason).toBe('retry budget');
    expect(steps).toEqual(['baseline', 'producer', 'review', 'verification', 'judged']);
    check(await treeBytes(dir), expectedAfter(before, steps));
    expect(outcome.kind === 'escalated' && outcome.conflicts).toEqual([]);
  });

  it('a regression rollback undoes the kept and the regressing patch; every concurrent change stays, the rollback’s own moment included', async () => {
    const { dir, script } = await userWorkspace([FIX_ADD, BREAK_MUL_WIDE]);
    made.push(dir);
    const before = await treeBytes(dir);
    const { outcome, steps, events } = await runWithEdits(dir, script, {});
    expect(outcome.kind === 'escalated' && outcome.reason).toBe('regression');
    expect(steps).toEqual(['baseline', 'producer', 'review', 'verification', 'judged', 'rollback']);
    check(await treeBytes(dir), expectedAfter(before, steps));
    const rollback = events.find((e) => e.type === 'rollback');
    expect(rollback).toMatchObject({ files: ['calc/__init__.py', 'calc/extra.py'], conflicts: [] });
  });

  it('a cancel during the verification takes back only the patch under verification', async () => {
    const { dir, script } = await userWorkspace([NOOP_WIDE]);
    made.push(dir);
    const before = await treeBytes(dir);
    const { outcome, steps, events } = await runWithEdits(dir, script, {}, { cancelAtVerification: true });
    expect(outcome.kind).toBe('cancelled');
    expect(outcome.kind === 'cancelled' && outcome.conflicts).toEqual([]);
    expect(steps).toEqual(['baseline', 'producer', 'review', 'verification']);
    expect(events.find((e) => e.type === 'rollback')).toMatchObject({ files: ['calc/__init__.py', 'calc/helper.py', 'calc/legacy.py'] });
    check(await treeBytes(dir), expectedAfter(before, steps));
  });

  it('after a successful run, restore undoes the kept patches and keeps what happened meanwhile and since', async () => {
    const { dir, script } = await userWorkspace([FIX_ADD, FIX_DIV]);
    made.push(dir);
    const before = await treeBytes(dir);
    const { outcome, steps } = await runWithEdits(dir, script, {});
    expect(outcome.kind).toBe('success');
    const patched = await readFile(join(dir, 'calc/__init__.py'), 'utf8');
    expect(patched).toContain('return a + b');
    expect(patched).toContain('return a / b');
    // Work done after the run, then restore.
    otherProcessEdits(dir, 'pause');
    const restored = await restoreLastSnapshot(dir);
    expect(restored).toMatchObject({ written: ['calc/__init__.py'], removed: [], conflicts: [] });
    check(await treeBytes(dir), expectedAfter(before, [...steps, 'pause']));
  });

  it('the start snapshot, taken while the baseline runs, is exactly the tree before the loop, and is recorded before the first patch', async () => {
    const { dir, script } = await userWorkspace([FIX_ADD, FIX_DIV]);
    made.push(dir);
    const before = await treeBytes(dir);
    const events: LoopEvent[] = [];
    const outcome = await runLoop({
      workspace: dir,
      settings: { ...defaultSettings, producer: 'command' },
      producer: new CommandProducer({ command: `SF_SCRIPT=${script} python3 ${SCRIPTED_PRODUCER}`, cwd: dir, timeoutMs: 60_000 }),
      python: 'python3',
      onEvent: (e) => events.push(e),
    });
    expect(outcome.kind).toBe('success');
    // The run log has the snapshot before the first patch was applied.
    const log = readFileSync(join(dir, 'artifacts/run-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind?: string; event?: { type?: string } });
    const snapshotAt = log.findIndex((l) => l.kind === 'snapshot');
    const firstPatchAt = log.findIndex((l) => l.event?.type === 'patch-applied');
    expect(snapshotAt).toBeGreaterThan(-1);
    expect(firstPatchAt).toBeGreaterThan(snapshotAt);
    // Recording the snapshot did not cut the baseline's output in two: one output record per pytest run.
    const pytestRuns = log.filter((l) => l.event?.type === 'command' && (l.event as { purpose?: string }).purpose === 'pytest').length;
    expect(log.filter((l) => l.kind === 'output' && (l as { source?: string }).source === 'pytest')).toHaveLength(pytestRuns);
    // The recorded state names the start snapshot, and putting it back gives the tree before the loop.
    const store = await SnapshotStore.open(dir);
    const state = await store.loadLoopState();
    expect(state?.startSnapshot?.commit).toBe(execFileSync('git', ['rev-parse', 'refs/smokes-fixer/start'], { cwd: dir, encoding: 'utf8' }).trim());
    expect(await readFile(join(dir, 'calc/__init__.py'), 'utf8')).toContain('return a + b');
    await store.restore(state!.startSnapshot!);
    check(await treeBytes(dir), before);
  });

  it('a file both sides changed is kept, the loop’s intended content goes to .smokes-fixer/conflicts/<run>/, and the loop stops naming it', async () => {
    const { dir, script } = await userWorkspace([NOOP_WIDE]);
    made.push(dir);
    const before = await treeBytes(dir);
    const original = await readFile(join(dir, 'calc/__init__.py'));
    const { outcome, steps } = await runWithEdits(dir, script, { retries: 1 }, { alsoEditAt: 'verification', alsoEdit: 'calc/__init__.py' });
    expect(outcome.kind).toBe('escalated');
    if (outcome.kind !== 'escalated') return;
    expect(outcome.reason).toBe('retry budget');
    expect(outcome.conflicts).toHaveLength(1);
    const [conflict] = outcome.conflicts;
    expect(conflict!.path).toBe('calc/__init__.py');
    expect(conflict!.copy).toMatch(/^\.smokes-fixer\/conflicts\/[\w.-]+\/calc\/__init__\.py$/);
    expect(outcome.detail).toContain('calc/__init__.py');
    // The loop's intended content (the file before its patch) is the copy, byte for byte.
    expect(await readFile(join(dir, conflict!.copy))).toEqual(original);
    // The file keeps both the patch and their line; everything else is as expected.
    const current = await readFile(join(dir, 'calc/__init__.py'), 'utf8');
    expect(current).toContain('return "value=" + str(value)');
    expect(current).toContain('# theirs, at verification');
    const expected = expectedAfter(before, steps);
    expected['calc/__init__.py'] = `644:${Buffer.from(current).toString('base64')}`;
    check(await treeBytes(dir), expected);
  });
});
