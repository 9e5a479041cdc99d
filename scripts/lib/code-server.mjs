// Shared machinery for running the extension inside a real VS Code: code-server (workbench in the
// browser, extension host in Node) driven by Debian's headless Chromium through playwright-core.
// Used by scripts/test-vscode.mjs (mocha suite in the extension host) and scripts/test-browser.mjs
// (what a person does in the workbench).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PRODUCT_ID = 'smokes-fixer.smokes-fixer';
export const CHROMIUM = process.env.SMOKES_FIXER_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const VSCE_FLAGS = ['--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links'];

const log = (msg) => console.log(`[vscode] ${msg}`);

/** Everything started here, ended in reverse order by stopAll() (also on Ctrl-C and on exit). */
const cleanups = [];
let stopping = null;
export function onStop(fn) {
  cleanups.push(fn);
}
export async function stopAll() {
  stopping ??= (async () => {
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()();
      } catch (err) {
        console.error(`[vscode] cleanup failed: ${err?.message ?? err}`);
      }
    }
  })().finally(() => {
    // Ready for the next start: a bench starts and ends code-server several times in one process.
    stopping = null;
  });
  return stopping;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    console.error(`\n[vscode] ${sig}: ending code-server and the browser`);
    void stopAll().finally(() => process.exit(130));
  });
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${r.stdout ?? ''}`);
  return r.stdout ?? '';
}

/** The code-server binary: $SMOKES_FIXER_CODE_SERVER_BIN, or installed (idempotently) by scripts/install-code-server.sh. */
export function ensureCodeServer() {
  const given = process.env.SMOKES_FIXER_CODE_SERVER_BIN;
  if (given) return given;
  const out = run('bash', [path.join(root, 'scripts/install-code-server.sh')], { env: { ...process.env, CI: process.env.CI ?? 'true' } });
  const bin = out.trim().split('\n').pop();
  if (!bin || !existsSync(bin)) throw new Error(`install-code-server.sh did not report a code-server binary (got: ${out.trim()})`);
  return bin;
}

/** Builds the product bundles (dist/). */
export function buildProduct() {
  log('building the extension (node esbuild.mjs)');
  run(process.execPath, ['esbuild.mjs'], { stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * Packages the product with vsce into `outDir` and returns the .vsix path, or $SMOKES_FIXER_VSIX when
 * given (a package built elsewhere). Packaging here also proves `npm run package` yields an installable file.
 */
export function packageProduct(outDir) {
  if (process.env.SMOKES_FIXER_VSIX) return path.resolve(process.env.SMOKES_FIXER_VSIX);
  mkdirSync(outDir, { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = path.join(outDir, `${pkg.name}-${pkg.version}.vsix`);
  rmSync(vsix, { force: true });
  log(`packaging ${path.relative(root, vsix)} (vsce)`);
  const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
  // Same flags as `npm run package`; README links stay relative (no repository URL to point them at).
  run(process.execPath, [vsce, 'package', ...VSCE_FLAGS, '--out', vsix], { stdio: ['ignore', 'ignore', 'inherit'] });
  return vsix;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A fresh VS Code profile in a temp folder: user-data-dir with quiet settings, an extensions folder,
 * code-server's own config file, and a copy of the workspace (the fixture, or an empty folder).
 */
export function createProfile({ workspaceSource = path.join(root, 'test/fixtures/vscode-workspace'), settings = {} } = {}) {
  const base = mkdtempSync(path.join(os.tmpdir(), 'smokes-fixer-vscode-'));
  const profile = {
    base,
    userDataDir: path.join(base, 'user-data'),
    extensionsDir: path.join(base, 'extensions'),
    configFile: path.join(base, 'code-server.yaml'),
    workspace: path.join(base, 'workspace'),
  };
  mkdirSync(path.join(profile.userDataDir, 'User'), { recursive: true });
  mkdirSync(profile.extensionsDir, { recursive: true });
  writeFileSync(
    path.join(profile.userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'git.openRepositoryInParentFolders': 'never',
        ...settings,
      },
      null,
      2,
    ),
  );
  // Keeps code-server from writing ~/.config/code-server/config.yaml; the flags below say the rest.
  writeFileSync(profile.configFile, 'auth: none\ncert: false\n');
  if (existsSync(workspaceSource)) {
    cpSync(workspaceSource, profile.workspace, { recursive: true, filter: (p) => !/(^|\/)(__pycache__|\.pytest_cache)(\/|$)/.test(p) });
  } else {
    // No fixture yet: an empty folder still opens a workspace.
    mkdirSync(profile.workspace, { recursive: true });
  }
  onStop(() => {
    if (!process.env.SMOKES_FIXER_KEEP_PROFILE) rmSync(base, { recursive: true, force: true });
  });
  return profile;
}

/** `code-server --install-extension <vsix>` into the profile's extensions folder. */
export function installVsix(codeServer, profile, vsix) {
  log(`installing ${path.basename(vsix)} into the profile`);
  const out = run(codeServer, [
    '--config', profile.configFile,
    '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir,
    '--install-extension', vsix,
  ]);
  const installed = readdirSync(profile.extensionsDir).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
  if (installed.length === 0) throw new Error(`code-server --install-extension installed nothing:\n${out}`);
  return installed;
}

/**
 * Packages an unpacked extension folder (e.g. the test host) with vsce, for `installVsix`. (A folder merely
 * copied into the extensions folder is dropped by VS Code once extensions.json lists installed packages.)
 */
export function packageFolder(folder, outDir) {
  const pkg = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
  const vsix = path.join(outDir, `${pkg.publisher}.${pkg.name}-${pkg.version}.vsix`);
  rmSync(vsix, { force: true });
  const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
  run(process.execPath, [vsce, 'package', ...VSCE_FLAGS, '--out', vsix], { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] });
  return vsix;
}

// Every process below `pid` (Linux /proc): the extension host starts tools in process groups of their own.
export function descendants(pid) {
  if (process.platform !== 'linux') return [];
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  const all = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Ends a process, its process group and every descendant (in whatever group), politely then firmly. */
export async function killTree(pid, graceMs = 5000) {
  const family = [pid, ...descendants(pid)];
  const groups = new Set([pid]);
  for (const p of family) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      groups.add(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]));
    } catch {
      // Gone, or not Linux.
    }
  }
  groups.delete(process.pid);
  groups.delete(0);
  for (const g of groups) signal(-g, 'SIGTERM');
  for (const p of family) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (family.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const g of groups) signal(-g, 'SIGKILL');
  for (const p of family) if (alive(p)) signal(p, 'SIGKILL');
}

/**
 * Starts code-server on a free port in its own process group, its output in `logFile`, and waits until it
 * answers. `env` is added to its environment (and so reaches the extension host). `trust: true` keeps
 * workspace trust on (the folder opens in Restricted Mode until trusted); `proposedApi` lists extension
 * ids allowed their `enabledApiProposals`; `open` is the folder or .code-workspace file to open.
 */
export async function startCodeServer(codeServer, profile, { logFile, env = {}, trust = false, proposedApi = [], open = profile.workspace }) {
  const port = await freePort();
  mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'w');
  const args = [
    '--config', profile.configFile,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    ...proposedApi.flatMap((id) => ['--enable-proposed-api', id]),
    open,
  ];
  const child = spawn(codeServer, args, { cwd: profile.workspace, detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  let exited = null;
  const exit = new Promise((resolve) => child.once('exit', (code, sig) => resolve((exited = { code, sig }))));
  onStop(async () => {
    if (exited === null) await killTree(child.pid);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}); see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 120 s; see ${logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  log(`code-server ${url} (pid ${child.pid}), log ${path.relative(root, logFile)}`);
  const query = open.endsWith('.code-workspace') ? `workspace=${encodeURIComponent(open)}` : `folder=${encodeURIComponent(open)}`;
  return { url, port, pid: child.pid, exit, exited: () => exited, workspaceUrl: `${url}/?${query}` };
}

/** Headless Chromium (Debian's) with a console log; closed by stopAll(). */
export async function launchBrowser({ consoleLog, viewport = { width: 1440, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    // Our own signal handlers end code-server too; Playwright's would exit before they ran.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  onStop(() => browser.close().catch(() => {}));
  // The clipboard is granted so that copies made by the extension can be read back (and pasted) in tests.
  const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  if (consoleLog) {
    mkdirSync(path.dirname(consoleLog), { recursive: true });
    const lines = [];
    const flush = () => writeFileSync(consoleLog, lines.join('\n') + '\n');
    page.on('console', (m) => lines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => lines.push(`[pageerror] ${e.stack ?? e.message}`));
    onStop(flush);
  }
  return { browser, context, page };
}

/** Opens the workbench on the profile's workspace and waits until it is drawn. */
export async function openWorkbench(page, server) {
  await page.goto(server.workspaceUrl, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 120_000 });
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout: 120_000 });
}

/** Copies VS Code's own logs (extension host, output channels) out of the temp profile for debugging. */
export function keepLogs(profile, dest) {
  const logs = path.join(profile.userDataDir, 'logs');
  if (!existsSync(logs)) return;
  rmSync(dest, { recursive: true, force: true });
  cpSync(logs, dest, { recursive: true });
}
