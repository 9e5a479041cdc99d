// A test run that floods the terminal: the folder's conftest.py prints about 30 MB straight to fd 1 at
// every pytest session start. Run from the palette with the command producer's fix applied without review,
// the Smokes Fixer terminal skips ahead instead of falling behind, says how much it skipped, and still ends
// on the outcome. Opened in a second window of the same code-server, in a folder of its own beside the main
// workspace: the scenarios after it (onboarding.scenario.ts expects no run yet) find the main window and
// folder untouched. The folder and window are removed after.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { poll } from './files';
import { scenario } from './scenario';
import { Workbench } from './workbench';

const RUN = 'Smokes Fixer: Run Smokes Fixer';
const RUN_TIMEOUT_MS = 6 * 60_000;
const OUTCOME = 'All selected smoke tests pass';
const SKIP_START = 'output arrives faster than the terminal can show it: skipping ahead';
const SKIP_END = 'MB of output; the last lines before this point follow';
/** 30 blocks of 10240 lines of 100 bytes (about 30 MB), past pytest's capture, as a chatty session hook would. */
const CONFTEST = `import os


def pytest_sessionstart(session):
    block = (("x" * 99) + "\\n").encode() * 10240
    for _ in range(30):
        os.write(1, block)
`;
const BUGGY = '"""Tiny arithmetic helpers the smoke tests guard."""\n\n\ndef add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n';
const TESTS = 'from calc import add, mul\n\n\ndef test_smoke_add():\n    assert add(2, 3) == 5\n\n\ndef test_smoke_mul():\n    assert mul(2, 3) == 6\n';

async function textOf(wb: Workbench, selector: string): Promise<string> {
  const texts = await wb.page.locator(selector).allInnerTexts().catch(() => []);
  return texts.join(' | ').replace(/\s+/g, ' ').trim().slice(0, 1500);
}

/** The fixture's calc.py with the bug, its tests and producer, the loud conftest.py; a git repository. */
function makeFolder(source: string, folder: string): void {
  mkdirSync(join(folder, 'tests', 'smoke'), { recursive: true });
  mkdirSync(join(folder, 'tools'), { recursive: true });
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  copyFileSync(join(source, 'tools', 'propose.py'), join(folder, 'tools', 'propose.py'));
  writeFileSync(join(folder, 'pytest.ini'), '[pytest]\npythonpath = .\n');
  writeFileSync(join(folder, '.gitignore'), '__pycache__/\n.pytest_cache/\nartifacts/\n');
  writeFileSync(join(folder, 'calc.py'), BUGGY);
  writeFileSync(join(folder, 'tests', 'smoke', 'test_calc_smoke.py'), TESTS);
  writeFileSync(join(folder, 'conftest.py'), CONFTEST);
  writeFileSync(
    join(folder, '.vscode', 'settings.json'),
    JSON.stringify({ 'smokesFixer.producer': 'command', 'smokesFixer.producerCommand': 'python3 tools/propose.py fix', 'smokesFixer.autoApply': true }, null, 2),
  );
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=tests@example.invalid', '-c', 'user.name=tests', ...a], { cwd: folder, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');
}

/** summary.json once written whole; an escalation ends the wait with its reason. */
function outcome(folder: string): { status?: string } | undefined {
  const escalation = join(folder, 'artifacts', 'escalation.json');
  if (existsSync(escalation)) {
    const raw = readFileSync(escalation, 'utf8');
    throw new Error(`the run escalated: ${raw.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  try {
    return JSON.parse(readFileSync(join(folder, 'artifacts', 'summary.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

export default [
  scenario(
    'a flood of pytest output (30 MB per run): the terminal skips ahead, says how much it skipped, and shows the outcome',
    async (wb, ctx) => {
      const folder = join(dirname(ctx.workspace), 'loud-output');
      rmSync(folder, { recursive: true, force: true });
      makeFolder(ctx.workspace, folder);
      const page = await wb.page.context().newPage();
      const lw = new Workbench(page, wb.options);
      try {
        const origin = new URL(wb.page.url()).origin;
        await page.goto(`${origin}/?folder=${encodeURIComponent(folder)}`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
        await lw.ready();
        await lw.trustWorkspace();
        await lw.runCommand('View: Close All Editors');
        await lw.waitForCommand(RUN);
        await lw.runCommandFromKeyboard(RUN);
        ctx.log('started the run from F1 in the loud folder\'s window');

        const summary = await poll('artifacts/summary.json', () => outcome(folder), RUN_TIMEOUT_MS);
        ctx.log(`artifacts/summary.json: ${JSON.stringify(summary).slice(0, 200)}`);
        assert.equal(summary.status, 'success', 'the run succeeds');
        assert.ok(readFileSync(join(folder, 'calc.py'), 'utf8').includes('return a + b'), 'the fix is in calc.py on disk');

        // The terminal ends on the outcome line once it has caught up with the run.
        const panel = await lw.showTerminal('Smokes Fixer');
        const rows = panel.locator('.terminal-wrapper.active .xterm-rows, .xterm-rows').first();
        try {
          await rows.filter({ hasText: OUTCOME }).waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
        } catch {
          throw new Error(`the terminal does not show "${OUTCOME}" (shows: ${await textOf(lw, '.part.panel .xterm-rows')})`);
        }
        await lw.screenshot('loud-output-outcome');

        // The last skip's end line sits above the skipped stretch's last lines (≤ 200) and pytest's summary:
        // in the scrollback, so page up from the bottom until the rows the DOM draws include it.
        await lw.clearNotifications();
        await lw.runCommand('View: Toggle Maximized Panel');
        // textContent, not innerText: a line wrapped over two rows reads as one.
        const shown = async () => ((await rows.textContent()) ?? '').replace(/\s+/g, ' ');
        let text = await shown();
        let sawStart = text.includes(SKIP_START);
        let found = text.includes(SKIP_END);
        // The maximised panel shows some 40 rows: 40 pages cover the 1000-row scrollback.
        let pages = 0;
        for (; pages < 40 && !found; pages++) {
          const before = text;
          await lw.runCommand('Terminal: Scroll Up (Page)');
          // Redrawn on the next frame; a page of the same output lines reads the same, so wait a little only.
          for (const until = Date.now() + 1_500; (text = await shown()) === before && Date.now() < until; ) await page.waitForTimeout(100);
          found = text.includes(SKIP_END);
          sawStart ||= text.includes(SKIP_START);
        }
        if (!found) throw new Error(`no line with "${SKIP_END}" in the Smokes Fixer terminal ${pages} page(s) up from its end (shows: ${await textOf(lw, '.part.panel .xterm-rows')})`);
        ctx.log(`the terminal shows "${SKIP_END}" ${pages} page(s) up from its end${sawStart ? `, and "${SKIP_START}"` : ''}`);
        // Nothing over the terminal in the screenshot: no toast, no hover on the panel's tabs.
        await lw.clearNotifications();
        await page.mouse.move(800, 400);
        await lw.screenshot('loud-output-skipped');
        await lw.runCommand('View: Toggle Maximized Panel');
      } catch (error) {
        // The runner's failure screenshot shows the main window; this one shows the loud folder's.
        await lw.screenshot('failed-loud-output').catch(() => {});
        throw error;
      } finally {
        // A run still going (this scenario failed half-way) ends before its folder goes.
        await lw.runCommand('Smokes Fixer: Cancel Run', 10_000).catch(() => {});
        await page.close().catch(() => {});
        rmSync(folder, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
      }
    },
    { timeoutMs: 15 * 60_000 },
  ),
];
