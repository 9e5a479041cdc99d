/// <reference types="mocha" />
// The Test Explorer's run profile in a real VS Code: the workbench's own testing commands ("Run All Tests",
// "Cancel Test Run") reach the "Run Smokes Fixer" profile of the `smokesFixer` controller, and its run
// handler runs the loop on the smoke selection.
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

/**
 * Runs "Run All Tests" as the Testing view's button does, and resolves once the run ended. The explorer
 * learns the controller's items from the extension host a moment after discovery; until then the command
 * finds no tests and starts nothing, so it is tried again until a new loop started.
 */
async function runAllFromTestExplorer(): Promise<RepairModel> {
  const before = fx.api.modelFor(fx.folder);
  const deadline = Date.now() + 60_000;
  for (;;) {
    await vscode.commands.executeCommand('testing.runAll');
    const model = fx.api.modelFor(fx.folder);
    if (model && model !== before) return model;
    if (Date.now() > deadline) throw new Error('"testing.runAll" never started the Smokes Fixer profile');
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('Test Explorer run profile in VS Code', function () {
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

  after(async () => {
    await fx.configure({ producer: undefined, producerCommand: undefined, autoApply: undefined });
    fx.stopExecRpc();
  });

  it('"Run All Tests" runs the loop through the profile and reports the tests passing', async () => {
    await fx.configure({ producer: 'command', producerCommand: 'python3 tools/propose.py fix', autoApply: true });
    const model = await runAllFromTestExplorer();

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

    // The controller's results are what the loop's last pytest run reported.
    assert.equal(fx.api.tests.results.get(ADD)?.outcome, 'passed');
    assert.equal(fx.api.tests.results.get(MUL)?.outcome, 'passed');
  });

  it('"Cancel Test Run" ends the loop as cancelled, ends the producer and leaves the tree as it was', async () => {
    await fx.configure({ producer: 'command', producerCommand: SLOW_PRODUCER, autoApply: true });
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
