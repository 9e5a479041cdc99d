#!/usr/bin/env node
// Browser test: drives the real VS Code workbench (code-server + headless Chromium) the way a person
// does, running the scenarios in test/vscode/browser/*.scenario.ts in one window, in file-name order.
//
//   node scripts/test-browser.mjs [--grep <text in scenario name>[|<another>...]]
//
// The workspace is a fresh copy of test/fixtures/vscode-workspace made into a git repository, with
// workspace settings for the command producer (`tools/propose.py fix`), the diff preview on (autoApply
// off) and the fixture's exec-rpc stand-in on a free port.
//
// Screenshots land in test-output/screenshots/ (a failing scenario adds failed-<name>.png); code-server's
// log, the browser console and VS Code's logs in test-output/browser/. Same env as scripts/test-vscode.mjs.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  root, ensureCodeServer, buildProduct, packageProduct, createProfile, installVsix,
  startCodeServer, launchBrowser, openWorkbench, keepLogs, stopAll, onStop, freePort,
} from './lib/code-server.mjs';

const { values: args } = parseArgs({ options: { grep: { type: 'string' } } });
const srcDir = path.join(root, 'test/vscode/browser');
const buildDir = path.join(srcDir, 'out');
const outDir = path.join(root, 'test-output/browser');
const screenshotDir = path.join(root, 'test-output/screenshots');
const defaultScenarioTimeoutMs = 5 * 60_000;
// README-sized screenshots.
const viewport = { width: 1280, height: 800 };

/**
 * Makes the copy of the fixture what a person would have before the first run: a git repository of its
 * own (the loop snapshots through git), the fixture's exec-rpc stand-in on a free port, and workspace
 * settings for the command producer that prints the right fix, with the diff preview on (autoApply off).
 */
async function prepareWorkspace(workspace) {
  const port = await freePort();
  writeFileSync(path.join(workspace, '.exec-rpc-port'), `${port}\n`);
  mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'smokesFixer.producer': 'command',
        'smokesFixer.producerCommand': 'python3 tools/propose.py fix',
        'smokesFixer.autoApply': false,
        'smokesFixer.metaUrl': `http://127.0.0.1:${port}/__meta`,
      },
      null,
      2,
    ),
  );
  const git = (...a) => execFileSync('git', ['-c', 'user.email=tests@example.invalid', '-c', 'user.name=tests', ...a], { cwd: workspace, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');
  // The stand-in service runs in a session of its own (setsid), outside code-server's process tree.
  onStop(() => {
    try {
      execFileSync('make', ['-s', 'exec-rpc-stop'], { cwd: workspace, stdio: 'ignore', timeout: 30_000 });
    } catch {
      // Never started, or already gone.
    }
  });
  return { port, metaUrl: `http://127.0.0.1:${port}/__meta` };
}

async function buildScenarios() {
  const scenarioFiles = readdirSync(srcDir).filter((f) => f.endsWith('.scenario.ts')).sort();
  rmSync(buildDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(srcDir, 'workbench.ts'), ...scenarioFiles.map((f) => path.join(srcDir, f))],
    outdir: buildDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'error',
    external: ['playwright-core'],
  });
  return scenarioFiles.map((f) => ({ file: f, module: path.join(buildDir, f.replace(/\.ts$/, '.mjs')) }));
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(screenshotDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const codeServer = ensureCodeServer();
  if (!process.env.SMOKES_FIXER_VSIX) buildProduct();
  const built = await buildScenarios();
  const scenarios = [];
  for (const { file, module } of built) {
    const list = [(await import(pathToFileURL(module).href)).default].flat();
    for (const s of list) if (!args.grep || args.grep.split('|').some((g) => s.name.includes(g))) scenarios.push({ ...s, file });
  }
  if (scenarios.length === 0) throw new Error(`no scenarios${args.grep ? ` matching "${args.grep}"` : ''} in ${path.relative(root, srcDir)}`);
  const { Workbench } = await import(pathToFileURL(path.join(buildDir, 'workbench.mjs')).href);

  const vsix = packageProduct(outDir);
  // The DOM renderer keeps the terminal's text in the page, where a scenario can read it.
  // Workspace trust stays on, as a person has it: the folder opens in Restricted Mode (no start-up prompt)
  // and the first scenario trusts it.
  const profile = createProfile({
    settings: { 'terminal.integrated.gpuAcceleration': 'off', 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' },
  });
  onStop(() => keepLogs(profile, path.join(outDir, 'logs')));
  const service = await prepareWorkspace(profile.workspace);
  installVsix(codeServer, profile, vsix);
  const server = await startCodeServer(codeServer, profile, { logFile: path.join(outDir, 'code-server.log'), trust: true });
  const { page } = await launchBrowser({ consoleLog: path.join(outDir, 'browser-console.log'), viewport });
  // A click on something that never becomes clickable fails the scenario instead of waiting until its limit.
  page.setDefaultTimeout(60_000);
  await openWorkbench(page, server);
  const wb = new Workbench(page, { screenshotDir });
  await wb.ready();
  // The product's contributions are in once its first command is listed (from its package.json); in
  // Restricted Mode they are not, so this waits until the scenarios that trust the folder have run.
  const [first] = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).contributes?.commands ?? [];
  let productReady = false;

  const ctx = { workspace: profile.workspace, userDataDir: profile.userDataDir, metaUrl: service.metaUrl, log: (m) => console.log(`      ${m}`) };
  let failed = 0;
  const outcomes = [];
  console.log('');
  // Scenarios about Restricted Mode first, in file-name order; then the rest.
  scenarios.sort((a, b) => Number(!a.restricted) - Number(!b.restricted));
  for (const s of scenarios) {
    if (!s.restricted && !productReady) {
      // Should a Restricted Mode scenario have failed before trusting, the others still get a trusted folder.
      if (await wb.trustWorkspace().catch(() => false)) console.log('      (trusted the folder for the remaining scenarios)');
      if (first) await wb.waitForCommand(first.category ? `${first.category}: ${first.title}` : first.title);
      productReady = true;
    }
    const started = Date.now();
    try {
      await withTimeout(s.run(wb, ctx), s.timeoutMs ?? defaultScenarioTimeoutMs, `scenario "${s.name}"`);
      console.log(`  ✔ ${s.name} (${s.file}, ${Date.now() - started} ms)`);
      outcomes.push({ name: s.name, file: s.file, state: 'passed', durationMs: Date.now() - started });
    } catch (err) {
      failed++;
      console.log(`  ✘ ${s.name} (${s.file})\n      ${String(err?.message ?? err).split('\n').join('\n      ')}`);
      outcomes.push({ name: s.name, file: s.file, state: 'failed', durationMs: Date.now() - started, error: String(err?.stack ?? err) });
      await wb.screenshot(`failed-${s.name}`).catch(() => {});
      // Leave the window usable for the next scenario.
      await page.keyboard.press('Escape').catch(() => {});
    }
  }
  writeFileSync(
    path.join(outDir, 'results.json'),
    JSON.stringify({ tests: scenarios.length, passes: scenarios.length - failed, failures: failed, scenarios: outcomes }, null, 2),
  );
  console.log(`\n  ${scenarios.length - failed} passing, ${failed} failing; screenshots in ${path.relative(root, screenshotDir)}/`);
  return failed > 0 ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`\n[browser] ${err?.stack ?? err}`);
} finally {
  await stopAll();
}
console.log(`[browser] logs in ${path.relative(root, outDir)}/`);
process.exit(code);
