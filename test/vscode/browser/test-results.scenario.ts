// The Test Explorer's failed, errored and skipped states as VS Code draws them after the default "Run
// Smoke Tests" profile: each row's state icon and duration, and in the Test Results view the failure's
// message and its expected/actual diff. Self-contained: it writes a test file of its own into the smoke
// folder and deletes it again (and refreshes the tests), so the other scenarios see the fixture as it was.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario } from './scenario';
import type { Workbench } from './workbench';

const STATES_FILE = 'tests/smoke/test_states_smoke.py';
/** One failing comparison, one test whose fixture fails (an error, not a failure), one skipped, one passing. */
const STATES_SOURCE = `import time

import pytest


def greet(name):
    return "Hello " + name


@pytest.fixture
def exec_rpc_session():
    raise RuntimeError("exec-rpc session could not be opened")


def test_smoke_greeting():
    time.sleep(0.3)
    assert greet("Ada") == "Hello, Ada!"


def test_smoke_session(exec_rpc_session):
    assert exec_rpc_session


@pytest.mark.skip(reason="needs the staging service")
def test_smoke_staging():
    pass


def test_smoke_sleepy():
    time.sleep(0.2)
`;
const RUN_TIMEOUT_MS = 3 * 60_000;

async function textOf(wb: Workbench, selector: string): Promise<string> {
  const texts = await wb.page.locator(selector).allInnerTexts().catch(() => []);
  return texts.join(' | ').replace(/\s+/g, ' ').trim().slice(0, 1500);
}

export default [
  scenario(
    'Run Smoke Tests shows failed, errored and skipped tests with durations, and the failure with expected/actual in Test Results',
    async (wb, ctx) => {
      const statesPath = join(ctx.workspace, STATES_FILE);
      writeFileSync(statesPath, STATES_SOURCE);
      try {
        await wb.runCommand('Notifications: Clear All Notifications');
        await wb.runCommand('View: Close All Editors');
        const sidebar = await wb.openViewContainer('Testing');
        const rows = sidebar.locator('.monaco-list-row');
        // Once the fixture's tests are listed, the new file is found by a refresh, as a person would do
        // after adding tests.
        await rows.filter({ hasText: 'tests/smoke/test_calc_smoke.py' }).first().waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
        await wb.runCommand('Test: Refresh Tests');
        const fileRow = rows.filter({ hasText: STATES_FILE }).first();
        await fileRow.waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
        // "Test: Run All Tests" uses the default profile, Run Smoke Tests.
        await wb.runCommand('Test: Run All Tests');
        await wb.expandRow(fileRow);
        const row = (name: string) => rows.filter({ hasText: name }).first();
        if (!(await row('test_smoke_greeting').waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false))) {
          await fileRow.locator('.monaco-tl-twistie').click();
          await wb.page.waitForTimeout(500);
          await wb.expandRow(fileRow);
        }
        const expectState = async (name: string, icon: string) => {
          try {
            await row(name).locator(`.codicon-${icon}`).waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
          } catch {
            const html = await row(name).evaluate((e) => e.outerHTML).catch(() => '(no row)');
            throw new Error(`${name} is not drawn with .codicon-${icon} (row: ${html.slice(0, 1500)}; view: ${await textOf(wb, '.part.sidebar')})`);
          }
        };
        await expectState('test_smoke_greeting', 'testing-failed-icon');
        await expectState('test_smoke_session', 'testing-error-icon');
        await expectState('test_smoke_staging', 'testing-skipped-icon');
        await expectState('test_smoke_sleepy', 'testing-passed-icon');
        // Durations: the row's description, as VS Code formats them ("303ms", "1.2s"); a skip has none.
        const states: Record<string, string> = { test_smoke_greeting: 'Failed', test_smoke_session: 'Errored', test_smoke_sleepy: 'Passed' };
        for (const [name, state] of Object.entries(states)) {
          const shown = (await row(name).locator('.test-label-description').innerText()).trim();
          assert.match(shown, /^\d+(\.\d+)?(ms|s)$/, `${name}'s row shows its duration (shows "${shown}")`);
          assert.equal(await row(name).getAttribute('aria-label'), `${name} (${state}), in ${shown}`);
        }
        assert.equal(await row('test_smoke_staging').locator('.test-label-description').count(), 0, 'a skipped test shows no duration');
        assert.match((await row('test_smoke_staging').getAttribute('aria-label')) ?? '', /\(Skipped\)$/);
        await wb.resizeSideBar(520);
        const side = await sidebar.boundingBox();
        if (side) await wb.screenshot('test-explorer-states', { area: { x: side.x, y: side.y, width: side.width, height: Math.min(side.height, 290) } });

        // The Test Results view: the run's tests with their messages; the failure's message is the
        // expected/actual diff, the error's message its exception.
        await wb.runCommand('Test Results: Focus on Test Results View');
        const panel = wb.page.locator('.part.panel');
        const results = panel.locator('.test-output-peek-tree .monaco-list-row');
        const resultRow = (name: string) => results.filter({ hasText: name }).first();
        const message = panel.locator('.test-output-peek-message-container').first();
        try {
          await resultRow('test_smoke_greeting').waitFor({ state: 'visible', timeout: wb.timeoutMs });
        } catch {
          throw new Error(`the Test Results view lists no test_smoke_greeting (panel: ${await textOf(wb, '.part.panel')})`);
        }
        // Wide enough to read: the side bar closed and the panel maximised (both put back below).
        await wb.runCommand('View: Close Primary Side Bar');
        await wb.runCommand('View: Toggle Maximized Panel');
        try {
          await resultRow('test_smoke_session').click();
          try {
            await message.filter({ hasText: 'RuntimeError: exec-rpc session could not be opened' }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
          } catch {
            throw new Error(`the errored test's message is not shown (panel: ${await textOf(wb, '.part.panel')})`);
          }
          await resultRow('test_smoke_greeting').click();
          const diff = message.locator('.monaco-diff-editor').first();
          try {
            await diff.waitFor({ state: 'visible', timeout: wb.timeoutMs });
            await diff.locator('.editor.original .view-lines').filter({ hasText: 'Hello, Ada!' }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
            await diff.locator('.editor.modified .view-lines').filter({ hasText: 'Hello Ada' }).waitFor({ state: 'visible', timeout: wb.timeoutMs });
          } catch {
            throw new Error(`the failure's expected/actual diff is not shown (panel: ${await textOf(wb, '.part.panel')})`);
          }
          const labels = await message.innerText();
          assert.match(labels, /Expected/, 'the diff is titled Expected');
          assert.match(labels, /Actual/, 'the diff is titled Actual');
          const box = await panel.boundingBox();
          if (box) await wb.screenshot('test-results-expected-actual', { area: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 220) } });
        } finally {
          await wb.runCommand('View: Toggle Maximized Panel');
          await wb.openViewContainer('Testing');
        }
      } finally {
        rmSync(statesPath, { force: true });
        await wb.runCommand('Test: Refresh Tests').catch(() => {});
      }
    },
    { timeoutMs: 10 * 60_000 },
  ),
];
