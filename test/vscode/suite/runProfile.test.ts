/// <reference types="mocha" />
// The Test Explorer's run profiles in a real VS Code (PRODUCT.md 19). The workbench's own testing
// commands ("Run All Tests", "Cancel Test Run") reach the `smokesFixer` controller: the default profile
// "Run Smoke Tests" runs pytest and reports, nothing else; "Repair with Smokes Fixer" is a second,
// non-default profile that runs the loop when a person makes it the one to use.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { gitIn } from './support';
import { ADD, BUGGY, FIXED, MUL, openFixtureWorkspace, waitFor, type FixtureWorkspace } from './fixtureWorkspace';
import type { RepairModel } from '../../../src/extension/repairModel';

/** A producer that is still thinking when the run is cancelled; the odd duration names its process. */
const SLOW_SECONDS = '30.417';
const SLOW_PRODUCER = `sleep ${SLOW_SECONDS}; python3 tools/propose.py fix`;

let fx: FixtureWorkspace;

/** Whether a process of the slow producer is alive (its shell or its `sleep`). */
function slowProducerAlive(): boolean {
  const lines = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n');
  return lines.some((l) => l.includes(`sleep ${SLOW_SECONDS}`) && !l.includes('ps -eo'));
}

/** `git status` of the workspace, without the requirements snapshot every run writes as an artifact. */
function treeStatus(): string {
  return gitIn(fx.ws, 'status', '--porcelain', '--untracked-files=all')
    .split('\n')
    .filter((l) => l && !l.endsWith('requirements.snapshot.txt'))
    .join('\n');
}

/** Makes the repair the profile "Run All Tests" uses, as a person does in "Configure Test Profiles". */
function useRepairProfile(on: boolean): void {
  fx.api.tests.repairProfile.isDefault = on;
  fx.api.tests.runProfile.isDefault = !on;
}

/**
 * Runs "Run All Tests" as the Testing view's button does, and resolves once the run ended. The explorer
 * learns the controller's items from the extension host a moment after discovery; until then the command
 * finds no tests and starts nothing, so it is tried again until `started()` says something ran.
 */
async function runAllFromTestExplorer(started: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await vscode.commands.executeCommand('testing.runAll');
    if (started()) return;
    if (Date.now() > deadline) throw new Error('"testing.runAll" never started a Smokes Fixer profile');
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('Test Explorer run profiles in VS Code', function () {
  this.timeout(300_000);

  before(async () => {
    fx = await openFixtureWorkspace();
  });

  beforeEach(async () => {
    fx.reset();
    fx.api.tests.results.clear();
    await fx.api.tests.discover();
    assert.ok(fx.api.tests.controller.items.get('tests/smoke/test_calc_smoke.py'), 'the smoke tests are in the Test Explorer');
  });

  afterEach(() => useRepairProfile(false));

  after(async () => {
    await fx.configure({ producer: undefined, producerCommand: undefined, autoApply: undefined });
    fx.stopExecRpc();
  });

  it('has "Run Smoke Tests" as the default Run profile and the repair as a second, non-default one', () => {
    const { runProfile, repairProfile } = fx.api.tests;
    assert.equal(runProfile.label, 'Run Smoke Tests');
    assert.equal(runProfile.kind, vscode.TestRunProfileKind.Run);
    assert.equal(runProfile.isDefault, true);
    assert.equal(repairProfile.label, 'Repair with Smokes Fixer');
    assert.equal(repairProfile.kind, vscode.TestRunProfileKind.Run);
    assert.equal(repairProfile.isDefault, false);
  });

  it('"Run All Tests" runs pytest and reports the results: no producer, no patch, no artifacts', async () => {
    // A producer that would leave a trace if it were ever called.
    await fx.configure({ producer: 'command', producerCommand: 'touch producer-was-called; python3 tools/propose.py fix', autoApply: true });
    const before = fx.api.modelFor(fx.folder);
    const statusBefore = treeStatus();
    await runAllFromTestExplorer(() => fx.api.tests.results.has(ADD));

    assert.equal(fx.api.modelFor(fx.folder), before, 'no repair loop started');
    assert.ok(!existsSync(join(fx.ws, 'producer-was-called')), 'the producer was not called');
    assert.equal(fx.calc(), BUGGY, 'nothing was patched');
    assert.ok(!existsSync(join(fx.ws, 'artifacts')), 'a test run writes no artifacts into the workspace');
    assert.equal(treeStatus(), statusBefore, 'the working tree is as it was');

    const add = fx.api.tests.results.get(ADD);
    assert.equal(add?.outcome, 'failed');
    assert.match(add?.message ?? '', /assert/);
    assert.deepEqual(add?.location, { file: 'tests/smoke/test_calc_smoke.py', line: 5 });
    assert.ok(add?.expected !== undefined && add?.actual !== undefined, 'the assertion comparison gives expected/actual');
    assert.ok((add?.durationMs ?? -1) >= 0);
    assert.equal(fx.api.tests.results.get(MUL)?.outcome, 'passed');
  });

  it('the repair profile, made the one to use, runs the loop and reports the tests passing', async () => {
    await fx.configure({ producer: 'command', producerCommand: 'python3 tools/propose.py fix', autoApply: true });
    useRepairProfile(true);
    const before = fx.api.modelFor(fx.folder);
    await runAllFromTestExplorer(() => fx.api.modelFor(fx.folder) !== before);
    const model = fx.api.modelFor(fx.folder) as RepairModel;

    assert.ok(!fx.api.isRunning(fx.folder), 'the run handler returned once the loop ended');
    const outcome = fx.api.lastOutcome(fx.folder);
    assert.equal(outcome?.kind, 'success', JSON.stringify(outcome && 'detail' in outcome ? outcome.detail : outcome));
    assert.equal(fx.calc(), FIXED, 'the fix is on disk');
    assert.ok(existsSync(join(fx.ws, 'artifacts/summary.json')));

    // The profile's request had no include (the whole controller): the loop ran the whole selection.
    assert.ok(model.commands.length > 0);
    assert.ok(model.commands.every((c) => !c.includes('::')), `the whole selection ran: ${model.commands.join(' | ')}`);
    const [sig] = model.signatures;
    assert.equal(sig.nodeid, ADD);
    assert.equal(sig.state, 'fixed');

    assert.equal(fx.api.tests.results.get(ADD)?.outcome, 'passed');
    assert.equal(fx.api.tests.results.get(MUL)?.outcome, 'passed');
  });

  it('"Cancel Test Run" ends the repair as cancelled, ends the producer and leaves the tree as it was', async () => {
    await fx.configure({ producer: 'command', producerCommand: SLOW_PRODUCER, autoApply: true });
    useRepairProfile(true);
    const statusBefore = treeStatus();
    const before = fx.api.modelFor(fx.folder);

    // Not awaited: the command resolves when the run ends, which is what cancelling must bring about.
    const running = Promise.resolve(vscode.commands.executeCommand('testing.runAll'));
    let ended = false;
    void running.then(() => (ended = true), () => (ended = true));
    await waitFor('the producer to be working on attempt 1', async () => {
      const model = fx.api.modelFor(fx.folder);
      if (model === before || !model) {
        // The explorer may not have had the items yet: that run started nothing; start another.
        if (ended) {
          ended = false;
          void Promise.resolve(vscode.commands.executeCommand('testing.runAll')).then(() => (ended = true), () => (ended = true));
        }
        return false;
      }
      return (model.signatures[0]?.attempts.length ?? 0) >= 1 && slowProducerAlive();
    });
    assert.ok(fx.api.isRunning(fx.folder));

    await vscode.commands.executeCommand('testing.cancelRun');
    await waitFor('the loop to end', () => !fx.api.isRunning(fx.folder));

    assert.equal(fx.api.lastOutcome(fx.folder)?.kind, 'cancelled');
    assert.ok(!slowProducerAlive(), 'the producer\'s processes were ended');
    assert.equal(fx.calc(), BUGGY, 'no patch reached the disk');
    assert.equal(treeStatus(), statusBefore, 'the working tree is as it was');
    assert.notEqual(fx.api.tests.results.get(ADD)?.outcome, 'passed');
  });
});
