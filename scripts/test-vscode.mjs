#!/usr/bin/env node
// Runs the mocha suite (test/vscode/suite/**/*.test.ts) inside a real VS Code: code-server with the
// product installed from its .vsix and the test host beside it, the workbench opened by headless Chromium.
//
//   node scripts/test-vscode.mjs [--grep <pattern>]
//
// Results, code-server's log and VS Code's logs land in test-output/vscode/. Exits non-zero when a test
// fails, is skipped, or none ran. Env: SMOKES_FIXER_CODE_SERVER_BIN (use this code-server),
// SMOKES_FIXER_VSIX (install this package instead of packaging), SMOKES_FIXER_VSCODE_TIMEOUT_MS (overall
// limit, default 15 minutes), SMOKES_FIXER_KEEP_PROFILE=1 (keep the temp profile and workspace).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  root, ensureCodeServer, buildProduct, packageProduct, createProfile, installVsix, packageFolder,
  startCodeServer, launchBrowser, openWorkbench, keepLogs, stopAll, onStop,
} from './lib/code-server.mjs';
import { buildVscodeTests, hostDir } from './lib/build-vscode-tests.mjs';

const hostPkg = JSON.parse(readFileSync(path.join(hostDir, 'package.json'), 'utf8'));
const HOST_ID = `${hostPkg.publisher}.${hostPkg.name}`;

const { values: args } = parseArgs({ options: { grep: { type: 'string' } } });
const outDir = path.join(root, 'test-output/vscode');
const timeoutMs = Number(process.env.SMOKES_FIXER_VSCODE_TIMEOUT_MS || 15 * 60_000);

function printResults(results) {
  console.log(`\nVS Code ${results.vscodeVersion}: ${results.files.length} suite file(s)\n`);
  let lastFile;
  for (const t of results.tests) {
    const file = t.file ? path.basename(t.file) : '';
    if (file !== lastFile) console.log(`  ${file}`);
    lastFile = file;
    const mark = t.state === 'passed' ? '✔' : t.state === 'failed' ? '✘' : '○ (skipped)';
    const ms = t.durationMs !== undefined ? ` (${t.durationMs} ms)` : '';
    console.log(`    ${mark} ${t.fullTitle}${ms}`);
    if (t.error) {
      console.log(`        ${t.error.message.split('\n').join('\n        ')}`);
      if (t.error.expected !== undefined || t.error.actual !== undefined) {
        console.log(`        expected: ${t.error.expected}\n        actual:   ${t.error.actual}`);
      }
      const frames = (t.error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l) && !l.includes('/host.js')).slice(0, 4);
      if (frames.length) console.log(frames.map((l) => `      ${l.trim()}`).join('\n'));
    }
  }
  const { tests, passes, failures, pending } = results.stats;
  console.log(`\n  ${passes} passing, ${failures} failing, ${pending} skipped (${tests} total)`);
  if (results.fatal) console.log(`\n  FATAL: ${results.fatal}`);
  else if (tests === 0) console.log('\n  No tests ran: that counts as a failure.');
}

async function waitForResults(file, server, page) {
  const deadline = Date.now() + timeoutMs;
  let announcedStart = false;
  while (Date.now() < deadline) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
    if (!announcedStart && existsSync(`${file}.started`)) {
      announcedStart = true;
      console.log('[vscode] test host activated, suite running');
    }
    if (server.exited()) throw new Error(`code-server exited (${JSON.stringify(server.exited())}) before the suite finished`);
    if (page.isClosed()) throw new Error('the browser page closed before the suite finished');
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `no results after ${Math.round(timeoutMs / 1000)} s (${announcedStart ? 'the suite started but did not finish' : 'the test host never activated'})`,
  );
}

async function main() {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const codeServer = ensureCodeServer();
  // A given package was built elsewhere; otherwise build and package the working tree.
  if (!process.env.SMOKES_FIXER_VSIX) buildProduct();
  const { suiteFiles } = await buildVscodeTests();
  console.log(`[vscode] suite: ${suiteFiles.join(', ') || '(none)'}`);
  const vsix = packageProduct(outDir);

  const profile = createProfile();
  // Runs after code-server has ended and before the temp profile is removed.
  onStop(() => keepLogs(profile, path.join(outDir, 'logs')));
  installVsix(codeServer, profile, vsix);
  installVsix(codeServer, profile, packageFolder(hostDir, outDir));
  // A stand-in for the Python extension's API, so the interpreter is read from it as from the real one.
  installVsix(codeServer, profile, packageFolder(path.join(hostDir, 'python-fake'), outDir));

  const resultsFile = path.join(profile.base, 'results.json');
  const server = await startCodeServer(codeServer, profile, {
    logFile: path.join(outDir, 'code-server.log'),
    env: { SMOKES_FIXER_VSCODE_RESULTS: resultsFile, ...(args.grep ? { SMOKES_FIXER_VSCODE_GREP: args.grep } : {}) },
    // The test host registers a language model through the chatProvider API, still proposed in VS Code 1.100.
    proposedApi: [HOST_ID],
  });
  const { page } = await launchBrowser({ consoleLog: path.join(outDir, 'browser-console.log') });
  let results;
  try {
    // The extension host starts only once a browser window connects.
    await openWorkbench(page, server);
    results = await waitForResults(resultsFile, server, page);
  } finally {
    await page.screenshot({ path: path.join(outDir, 'workbench.png') }).catch(() => {});
    if (existsSync(`${resultsFile}.started`)) copyFileSync(`${resultsFile}.started`, path.join(outDir, 'host-started.json'));
  }
  // Counts also at the top level, for scripts that total several test runs.
  writeFileSync(path.join(outDir, 'results.json'), JSON.stringify({ passes: results.stats.passes, failures: results.stats.failures, pending: results.stats.pending, ...results }, null, 2));
  printResults(results);
  const { tests, failures, pending } = results.stats;
  if (results.fatal || failures > 0 || pending > 0 || tests === 0) return 1;
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`\n[vscode] ${err?.stack ?? err}`);
  code = 1;
} finally {
  await stopAll();
}
console.log(`[vscode] logs and results in ${path.relative(root, outDir)}/`);
process.exit(code);
