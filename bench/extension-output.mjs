// A loud test run inside the real VS Code (code-server + headless Chromium): the packaged extension runs
// the loop from the command palette on a suite whose conftest prints N MB at session start, with the
// command producer printing the fix and autoApply on (no review). Measured for a quiet run (0 MB) and the
// loud one, each in a fresh code-server: the wall clock from the command to artifacts/summary.json, the
// extension host's CPU time and peak RSS over the run, and how long after summary.json the Smokes Fixer
// terminal shows the outcome line in the workbench (whether the terminal keeps up with the output).
//
//   node bench/extension-output.mjs [megabytes]      (also part of `npm run bench`, section "output")
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  root, ensureCodeServer, packageProduct, createProfile, installVsix, startCodeServer,
  launchBrowser, openWorkbench, keepLogs, stopAll, descendants,
} from '../scripts/lib/code-server.mjs';
import { FIX, makeSuite, outputConftest } from './lib/suite.mjs';

const RUN = 'Smokes Fixer: Run Smokes Fixer';
const OUTCOME = 'All selected smoke tests pass';
const STEP_TIMEOUT_MS = 120_000;
const RUN_TIMEOUT_MS = 10 * 60_000;
/** How long the terminal may take after summary.json before it counts as not keeping up. */
const TERMINAL_TIMEOUT_MS = 5 * 60_000;
const SAMPLE_MS = 50;
// Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux).
const HZ = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** user + system CPU ms of one process, or null once it has ended. */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / HZ;
  } catch {
    return null;
  }
}

function statusKb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The Node extension host code-server forked for the window (`bootstrap-fork --type=extensionHost`). */
async function findExtensionHost(serverPid, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hosts = descendants(serverPid).filter((p) => cmdline(p).includes('--type=extensionHost'));
    if (hosts.length === 1) return hosts[0];
    if (hosts.length > 1) throw new Error(`more than one extension host under code-server: ${hosts.join(', ')}`);
    if (Date.now() > deadline) throw new Error('no extension host process under code-server');
    await sleep(250);
  }
}

/** Waits until the process's CPU time grows by less than `quietMs` in a second (start-up work done). */
async function settle(pid, { quietMs = 20, timeoutMs = 20_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = cpuMs(pid);
  while (Date.now() < deadline) {
    await sleep(1000);
    const now = cpuMs(pid);
    if (now - last < quietMs) return;
    last = now;
  }
}

/** The palette row for the command, waiting until the extension has registered it. */
async function paletteRow(page, title) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    try {
      if (!(await input.isVisible())) {
        await page.locator('.monaco-workbench').focus().catch(() => {});
        await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
      }
      await input.fill(`>${title}`, { timeout: 5_000 });
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      return row;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await page.keyboard.press('Escape').catch(() => {});
    }
  }
}

/** summary.json once written whole, `null` before; an escalation ends the wait with its reason. */
function readOutcome(workspace) {
  const escalation = path.join(workspace, 'artifacts', 'escalation.json');
  if (existsSync(escalation)) {
    let reason = '?';
    try {
      reason = JSON.parse(readFileSync(escalation, 'utf8')).reason;
    } catch {
      // Still being written; the next look has it.
      return null;
    }
    throw new Error(`the run escalated (${reason}); see ${escalation}`);
  }
  try {
    return JSON.parse(readFileSync(path.join(workspace, 'artifacts', 'summary.json'), 'utf8'));
  } catch {
    return null;
  }
}

async function oneRun({ megabytes, codeServer, vsix, work, outDir, python, log }) {
  const dir = path.join(work, `suite-${megabytes}`);
  const fixPath = path.join(work, 'fix.diff');
  writeFileSync(fixPath, FIX);
  makeSuite(dir, 50, { conftest: outputConftest(megabytes) });
  const runDir = path.join(outDir, `${megabytes}mb`);
  mkdirSync(runDir, { recursive: true });
  const profile = createProfile({
    workspaceSource: dir,
    settings: {
      // The DOM renderer keeps the terminal's text in the page, where it can be read.
      'terminal.integrated.gpuAcceleration': 'off',
      'smokesFixer.producer': 'command',
      'smokesFixer.producerCommand': `cat >/dev/null; cat '${fixPath}'`,
      'smokesFixer.autoApply': true,
      'smokesFixer.pythonPath': python,
    },
  });
  installVsix(codeServer, profile, vsix);
  const server = await startCodeServer(codeServer, profile, { logFile: path.join(runDir, 'code-server.log') });
  const { page } = await launchBrowser({ consoleLog: path.join(runDir, 'browser-console.log') });
  try {
    await openWorkbench(page, server);
    const host = await findExtensionHost(server.pid);
    const row = await paletteRow(page, RUN);
    await settle(host);
    const rssKb0 = statusKb(host, 'VmRSS');
    const cpu0 = cpuMs(host);
    let peakKb = rssKb0;
    const sampler = setInterval(() => {
      const kb = statusKb(host, 'VmRSS');
      if (kb !== null && kb > peakKb) peakKb = kb;
    }, SAMPLE_MS);
    try {
      const started = performance.now();
      await row.click();
      log(`extension output: ${megabytes} MB: started the run from the palette (extension host pid ${host})`);
      let summary = null;
      while (!(summary = readOutcome(profile.workspace))) {
        if (performance.now() - started > RUN_TIMEOUT_MS) throw new Error(`no artifacts/summary.json within ${RUN_TIMEOUT_MS / 1000} s`);
        if (server.exited()) throw new Error(`code-server exited during the run: ${JSON.stringify(server.exited())}`);
        await sleep(SAMPLE_MS);
      }
      const summaryAt = performance.now();
      const cpuAtSummary = cpuMs(host);
      if (summary.status !== 'success') throw new Error(`summary.json says ${summary.status}`);
      const outcome = page.locator('.part.panel .xterm-rows').filter({ hasText: OUTCOME }).first();
      const shown = await outcome.waitFor({ state: 'visible', timeout: TERMINAL_TIMEOUT_MS }).then(
        () => true,
        () => false,
      );
      const terminalAt = performance.now();
      const cpuAtTerminal = cpuMs(host);
      clearInterval(sampler);
      await page.screenshot({ path: path.join(runDir, 'end.png') }).catch(() => {});
      const r = {
        megabytes,
        printedMB: megabytes * 2,
        loops: summary.loops,
        wallMs: summaryAt - started,
        hostCpuMs: cpuAtSummary - cpu0,
        terminalShown: shown,
        terminalLagMs: shown ? terminalAt - summaryAt : null,
        hostCpuToTerminalMs: cpuAtTerminal - cpu0,
        hostRssBefore: rssKb0 * 1024,
        hostPeakRss: peakKb * 1024,
        hostHwm: (statusKb(host, 'VmHWM') ?? 0) * 1024,
      };
      log(
        `extension output: ${megabytes} MB: summary.json after ${(r.wallMs / 1000).toFixed(2)} s, extension host CPU ${(r.hostCpuMs / 1000).toFixed(2)} s, ` +
          `peak RSS ${(r.hostPeakRss / 1e6).toFixed(0)} MB (before ${(r.hostRssBefore / 1e6).toFixed(0)} MB), ` +
          (shown ? `terminal outcome ${(r.terminalLagMs / 1000).toFixed(2)} s later` : `no outcome in the terminal within ${TERMINAL_TIMEOUT_MS / 1000} s`),
      );
      return r;
    } finally {
      clearInterval(sampler);
    }
  } catch (error) {
    await page.screenshot({ path: path.join(runDir, 'failed.png') }).catch(() => {});
    throw error;
  } finally {
    keepLogs(profile, path.join(runDir, 'logs'));
    await stopAll();
  }
}

/** The quiet run (0 MB) and the loud one (`megabytes` MB per pytest run), each in a fresh code-server. */
export async function benchExtensionOutput({ megabytes = 100, log = (m) => process.stderr.write(`${m}\n`), python = process.env.BENCH_PYTHON || 'python3' } = {}) {
  const outDir = path.join(root, 'bench', 'out', 'extension-output');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const codeServer = ensureCodeServer();
  // `vsce package` runs vscode:prepublish: the production build a user installs.
  const vsix = packageProduct(outDir);
  const work = mkdtempSync(path.join(os.tmpdir(), 'sf-bench-ext-output-'));
  try {
    const quiet = await oneRun({ megabytes: 0, codeServer, vsix, work, outDir, python, log });
    const loud = await oneRun({ megabytes, codeServer, vsix, work, outDir, python, log });
    return { quiet, loud, source: 'code-server; extension host from /proc (CPU user+system, VmRSS sampled every 50 ms); terminal text from the workbench DOM' };
  } finally {
    rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await benchExtensionOutput({ megabytes: Number(process.argv[2] ?? 100) });
  console.log(JSON.stringify(result, null, 2));
}
