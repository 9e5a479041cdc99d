// A multi-root workspace (a .code-workspace file with two folders, alpha and beta, each a copy of the
// fixture with its own git repository, exec-rpc port and settings), opened in a second window of the same
// code-server: the status bar speaks for the active editor's folder and lists the other in its tooltip;
// "Run Smokes Fixer" asks which folder and runs there only, each folder getting its own fix and artifacts;
// beta's patch (two files) waits in a multi-file diff whose title names the folder.
// Self-contained: it builds the folders beside the main workspace and removes them, window and all.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { scenario } from './scenario';
import { Workbench } from './workbench';

const BUGGY = '"""Tiny arithmetic helpers the smoke tests guard."""\n\n\ndef add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n';
const FIXED = BUGGY.replace('return a - b', 'return a + b');
const UNITS = '"""Display settings for the calculator."""\n\nROUNDING = 3\n';
const RUN_TIMEOUT_MS = 4 * 60_000;
/** What a copy of the fixture leaves out: the main workspace's repository, settings, runs and caches. */
const LEFT_OUT = /(^|\/)(\.git|\.vscode|artifacts|\.smokes-fixer|\.benchmarks|\.pytest_cache|__pycache__|\.exec-rpc[^/]*)$/;

async function textOf(wb: Workbench, selector: string): Promise<string> {
  const texts = await wb.page.locator(selector).allInnerTexts().catch(() => []);
  return texts.join(' | ').replace(/\s+/g, ' ').trim().slice(0, 1500);
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const make = (cwd: string, target: string) => execFileSync('make', ['-s', target], { cwd, stdio: 'ignore', timeout: 30_000 });

/**
 * A copy of the fixture with the bug, its own repository, exec-rpc port and folder settings. With
 * `review`, its producer proposes a two-file patch (calc.py and units.py) and waits for the preview.
 */
function makeFolder(source: string, folder: string, port: number, review = false): void {
  cpSync(source, folder, { recursive: true, filter: (p) => !LEFT_OUT.test(p.slice(source.length)) });
  writeFileSync(join(folder, 'calc.py'), BUGGY);
  if (review) writeFileSync(join(folder, 'units.py'), UNITS);
  writeFileSync(join(folder, '.exec-rpc-port'), `${port}\n`);
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(
    join(folder, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'smokesFixer.producer': 'command',
        'smokesFixer.producerCommand': review ? 'python3 tools/propose.py two' : 'python3 tools/propose.py fix',
        'smokesFixer.autoApply': !review,
        'smokesFixer.metaUrl': `http://127.0.0.1:${port}/__meta`,
      },
      null,
      2,
    ),
  );
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=tests@example.invalid', '-c', 'user.name=tests', ...a], { cwd: folder, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');
}

/** Opens `name` (e.g. "alpha/calc.py") with Go to File, taking the row whose path names the folder. */
async function openInFolder(wb: Workbench, folder: string, file: string): Promise<void> {
  const input = await wb.openPalette('');
  await input.pressSequentially(`${folder}/${file}`, { delay: 10 });
  const rows = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const row = rows.filter({ hasText: file }).filter({ hasText: folder }).first();
  try {
    await row.waitFor({ state: 'visible', timeout: wb.timeoutMs });
  } catch {
    throw new Error(`Go to File lists no ${file} in ${folder} (lists: ${(await rows.allInnerTexts()).join(' | ')})`);
  }
  await row.click();
  await wb.page.locator('.part.editor .tabs-container .tab.active').filter({ hasText: file }).first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
}

/** The freshness item's tooltip, read from the hover VS Code draws over it. */
async function hoverText(wb: Workbench, item: ReturnType<Workbench['statusBarItem']>, mustHave: string): Promise<string> {
  await item.hover();
  const hover = wb.page.locator('.workbench-hover, .monaco-hover').filter({ hasText: mustHave }).first();
  try {
    await hover.waitFor({ state: 'visible', timeout: wb.timeoutMs });
  } catch {
    throw new Error(`the status bar item's hover does not mention "${mustHave}" (shows: ${await textOf(wb, '.workbench-hover, .monaco-hover')})`);
  }
  const text = (await hover.innerText()).replace(/\s+/g, ' ');
  const size = wb.page.viewportSize() ?? { width: 1280, height: 800 };
  await wb.page.mouse.move(size.width / 2, size.height / 3);
  return text;
}

/** "Run Smokes Fixer" in the palette; the folder pick lists both folders; `folder` is picked. */
async function runIn(wb: Workbench, folder: string, folders: string[], ctx: { log(m: string): void }, review?: () => Promise<void>): Promise<void> {
  await wb.runCommand('Notifications: Clear All Notifications');
  await wb.runCommand('Smokes Fixer: Run Smokes Fixer');
  const rows = wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout: wb.timeoutMs });
  const placeholder = (await wb.page.locator('.quick-input-widget .quick-input-box input').getAttribute('placeholder')) ?? '';
  assert.match(placeholder, /Which workspace folder should Smokes Fixer work on\?/);
  const labels = (await rows.locator('.label-name').allInnerTexts()).map((l) => l.trim());
  assert.deepEqual(labels, folders, `the folder pick lists both folders (lists: ${labels.join(' | ')})`);
  if (folder === folders[0]) await wb.screenshot('multi-root-folder-pick');
  // Picked by keyboard, as a person may: a hover left open over the list (a folder path) can cover a row
  // and take the click.
  await wb.page.locator('.quick-input-widget .quick-input-box input').fill(folder);
  // The list narrows to the one folder before Enter picks it.
  const shown = rows.locator('.label-name');
  for (const deadline = Date.now() + wb.timeoutMs; ; ) {
    const names = (await shown.allInnerTexts()).map((l) => l.trim());
    if (names.length === 1 && names[0] === folder) break;
    if (Date.now() > deadline) assert.fail(`typing ${folder} in the folder pick left ${names.join(' | ') || 'nothing'}`);
    await wb.page.waitForTimeout(100);
  }
  await wb.page.keyboard.press('Enter');
  ctx.log(`picked ${folder} in the folder pick`);
  if (review) await review();
  await wb.waitForNotificationKept(/all selected smoke tests pass/, RUN_TIMEOUT_MS);
}

export default [
  scenario(
    'multi-root: the status bar follows the active editor\'s folder and lists the other; Run Smokes Fixer asks which folder and runs there',
    async (wb, ctx) => {
      const base = join(dirname(ctx.workspace), 'multi-root');
      const [alpha, beta] = [join(base, 'alpha'), join(base, 'beta')];
      const workspaceFile = join(base, 'smokes.code-workspace');
      rmSync(base, { recursive: true, force: true });
      const [alphaPort, betaPort] = [await freePort(), await freePort()];
      makeFolder(ctx.workspace, alpha, alphaPort);
      makeFolder(ctx.workspace, beta, betaPort, true);
      writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }], settings: {} }, null, 2));
      // alpha's service runs (fresh); nothing listens on beta's port (down).
      make(alpha, 'exec-rpc-restart');
      const page = await wb.page.context().newPage();
      try {
        const origin = new URL(wb.page.url()).origin;
        await page.goto(`${origin}/?workspace=${encodeURIComponent(workspaceFile)}`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
        const mw = new Workbench(page, wb.options);
        await mw.ready();
        // A new workspace opens in Restricted Mode, as it would for a person.
        await mw.trustWorkspace();
        await mw.waitForCommand('Smokes Fixer: Run Smokes Fixer');
        await page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: mw.timeoutMs }).catch(() => {});

        // 1. The status bar speaks for the active editor's folder; its tooltip lists the other folder.
        const item = mw.statusBarItem(/exec-rpc: /).first();
        await openInFolder(mw, 'alpha', 'calc.py');
        try {
          await mw.statusBarItem('exec-rpc: fresh · alpha').first().waitFor({ state: 'visible', timeout: 60_000 });
        } catch {
          throw new Error(`with alpha/calc.py active the status bar does not show "exec-rpc: fresh · alpha" (shows: ${await textOf(mw, '.statusbar')})`);
        }
        const alphaTip = await hoverText(mw, item, 'Other folders');
        ctx.log(`alpha active, tooltip: ${alphaTip.slice(0, 300)}`);
        assert.match(alphaTip, /alpha: /);
        assert.match(alphaTip, /Other folders: • beta: down/);
        await openInFolder(mw, 'beta', 'calc.py');
        try {
          await mw.statusBarItem('exec-rpc: down · beta').first().waitFor({ state: 'visible', timeout: mw.timeoutMs });
        } catch {
          throw new Error(`with beta/calc.py active the status bar does not show "exec-rpc: down · beta" (shows: ${await textOf(mw, '.statusbar')})`);
        }
        const betaTip = await hoverText(mw, item, 'Other folders');
        ctx.log(`beta active, tooltip: ${betaTip.slice(0, 300)}`);
        assert.match(betaTip, /beta: /);
        assert.match(betaTip, /Other folders: • alpha: fresh/);
        await item.hover();
        await mw.page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'Other folders' }).first().waitFor({ state: 'visible', timeout: mw.timeoutMs });
        const size = page.viewportSize() ?? { width: 1280, height: 800 };
        await mw.screenshot('multi-root-status-bar-hover', { area: { x: 0, y: size.height - 260, width: 720, height: 260 } });
        await page.mouse.move(size.width / 2, size.height / 3);
        await mw.runCommand('View: Close All Editors');

        // 2. Run in beta: its two-file patch waits in a multi-file diff whose title names the folder;
        // Apply in that editor's title; only beta is fixed and gets artifacts.
        await runIn(mw, 'beta', ['alpha', 'beta'], ctx, async () => {
          const tab = mw.editorTab('Smokes Fixer: attempt 1 patch (beta)').first();
          try {
            await tab.waitFor({ state: 'visible', timeout: RUN_TIMEOUT_MS });
          } catch {
            throw new Error(`no multi-file diff tab titled for beta (tabs: ${await textOf(mw, '.part.editor .tabs-container .tab')})`);
          }
          await page.locator('.part.editor .monaco-component.multiDiffEditor .multiDiffEntry').filter({ hasText: 'units.py' }).first().waitFor({ state: 'visible', timeout: mw.timeoutMs });
          await mw.waitForNotification(/Apply the proposed patch \(attempt 1, 2 file\(s\), .*\) to beta\?/, mw.timeoutMs);
          assert.equal(readFileSync(join(beta, 'calc.py'), 'utf8'), BUGGY, 'nothing is written before Apply');
          await mw.editorTitleAction('Apply Proposed Patch').first().click();
          await tab.waitFor({ state: 'hidden', timeout: mw.timeoutMs });
        });
        assert.equal(readFileSync(join(beta, 'calc.py'), 'utf8'), FIXED, 'beta/calc.py is fixed on disk');
        assert.equal(readFileSync(join(beta, 'units.py'), 'utf8'), UNITS.replace('ROUNDING = 3', 'ROUNDING = 2'), 'beta/units.py holds its change');
        assert.equal(readFileSync(join(alpha, 'calc.py'), 'utf8'), BUGGY, 'alpha/calc.py is untouched by beta\'s run');
        assert.ok(existsSync(join(beta, 'artifacts', 'summary.json')), 'beta has artifacts/summary.json');
        assert.ok(!existsSync(join(alpha, 'artifacts')), 'alpha has no artifacts yet');

        // 3. Run in alpha: now alpha is fixed, with its own artifacts.
        await runIn(mw, 'alpha', ['alpha', 'beta'], ctx);
        assert.equal(readFileSync(join(alpha, 'calc.py'), 'utf8'), FIXED, 'alpha/calc.py is fixed on disk');
        for (const [folder, other] of [
          [alpha, beta],
          [beta, alpha],
        ]) {
          const raw = readFileSync(join(folder, 'artifacts', 'summary.json'), 'utf8');
          const summary = JSON.parse(raw) as { status?: string; fixed?: Array<{ nodeid: string }> };
          ctx.log(`${basename(folder)}/artifacts/summary.json: ${raw.replace(/\s+/g, ' ').slice(0, 200)}`);
          assert.equal(summary.status, 'success', `${basename(folder)}'s summary says success`);
          assert.deepEqual(summary.fixed?.map((f) => f.nodeid), ['tests/smoke/test_calc_smoke.py::test_smoke_add']);
          assert.ok(!raw.includes(other), `${basename(folder)}'s summary names nothing of ${basename(other)}`);
        }
      } finally {
        await page.close().catch(() => {});
        for (const folder of [alpha, beta]) {
          try {
            make(folder, 'exec-rpc-stop');
          } catch {
            // Never started.
          }
        }
        rmSync(base, { recursive: true, force: true });
      }
    },
    { timeoutMs: 12 * 60_000 },
  ),
];
