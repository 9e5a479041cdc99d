// Activation of the packaged extension inside the real VS Code the tests use (code-server + headless
// Chromium): the figure the extension host itself reports for Smokes Fixer in "Developer: Show Running
// Extensions" (loading its code plus the `activate` call), read from the workbench after each of several
// window reloads. The folder is a copy of the extension tests' fixture workspace: it has tests/smoke, so
// the `workspaceContains` event activates the extension at start-up, as in a user's project.
//
//   node bench/activation.mjs [reloads]      (also part of `npm run bench`, section "extension")
import path from 'node:path';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  root, ensureCodeServer, packageProduct, createProfile, installVsix,
  startCodeServer, launchBrowser, openWorkbench, stopAll,
} from '../scripts/lib/code-server.mjs';

const STEP_TIMEOUT_MS = 120_000;

/** Opens Running Extensions and reads the product's row, e.g. "Startup Activation: 38ms". */
async function readActivation(page) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill('>Developer: Show Running Extensions');
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Show Running Extensions' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  const row = page.locator('.runtime-extensions-editor .monaco-list-row').filter({ hasText: 'Smokes Fixer' }).first();
  // The row says "Activating..." until the extension host has the figure.
  const time = row.locator('.activation-time').filter({ hasText: /Activation: \d+ms/ });
  await time.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const text = (await time.innerText()).trim();
  const m = /(Startup )?Activation: (\d+)ms/.exec(text);
  return { text, ms: Number(m[2]), startup: Boolean(m[1]) };
}

/** The activate call's own time from the extension's newest log line ("activated in 12.3 ms"), or null. */
function activateCallMs(userDataDir) {
  const dir = path.join(userDataDir, 'logs');
  const logs = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => f.includes('smokes-fixer.smokes-fixer') && f.endsWith('.log'))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  const newest = logs.at(-1);
  if (!newest) return null;
  const m = [...readFileSync(newest, 'utf8').matchAll(/activated in ([\d.]+) ms/g)].at(-1);
  return m ? Number(m[1]) : null;
}

/** Median activation (ms) over `reloads` window loads, with every sample. */
export async function benchActivation({ reloads = 5, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const outDir = path.join(root, 'bench', 'out', 'activation');
  mkdirSync(outDir, { recursive: true });
  const codeServer = ensureCodeServer();
  // `vsce package` runs vscode:prepublish: the production build a user installs.
  const vsix = packageProduct(outDir);
  const profile = createProfile({ settings: { 'workbench.startupEditor': 'none' } });
  installVsix(codeServer, profile, vsix);
  const server = await startCodeServer(codeServer, profile, { logFile: path.join(outDir, 'code-server.log') });
  const { page } = await launchBrowser({ consoleLog: path.join(outDir, 'browser-console.log') });
  const samples = [];
  try {
    await openWorkbench(page, server);
    for (let i = 0; i < reloads; i++) {
      // Each reload starts a new extension host, which activates the extension again.
      if (i > 0) await page.reload();
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      const sample = await readActivation(page);
      sample.activateCallMs = activateCallMs(profile.userDataDir);
      log(`activation ${i + 1}/${reloads}: ${sample.text} (the activate call: ${sample.activateCallMs ?? '?'} ms)`);
      samples.push(sample);
    }
  } finally {
    await stopAll();
  }
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const calls = samples.map((s) => s.activateCallMs).filter((v) => typeof v === 'number').sort((a, b) => a - b);
  return {
    activateMs: sorted[Math.floor(sorted.length / 2)],
    activateCallMs: calls.length ? calls[Math.floor(calls.length / 2)] : null,
    samples,
    source: 'Developer: Show Running Extensions (code loading + activate call); the activate call alone from the extension log',
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await benchActivation({ reloads: Number(process.argv[2] ?? 5) });
  console.log(JSON.stringify(result, null, 2));
}
