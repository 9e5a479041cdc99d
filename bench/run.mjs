#!/usr/bin/env node
// `npm run bench`: what the loop costs beyond the tests it runs, measured side by side with bare pytest,
// plus the engine's hot spots at scale, the extension's size and activation, and the loop's memory under
// a flood of output (the CLI, and the extension in VS Code). Prints one table and writes
// bench/results.json. Quick look: `npm run bench -- --quick` (or BENCH_QUICK=1). One section:
// `--only loop,junit,snapshot,extension,output`.
// Nothing here asserts a time; targets are printed beside the figures.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { FIX, makeSuite, outputConftest, reset } from './lib/suite.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice(7) ?? (argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : null);
const only = onlyArg ? new Set(onlyArg.split(',')) : null;
const wanted = (section) => !only || only.has(section);
const PYTHON = process.env.BENCH_PYTHON || 'python3';
const work = mkdtempSync(path.join(os.tmpdir(), 'sf-bench-'));
const say = (msg) => process.stderr.write(`[bench] ${msg}\n`);

const rows = [];
const results = { quick, machine: machine(), startedAt: new Date().toISOString(), sections: {} };

// ---------------------------------------------------------------------------------------------
// Helpers

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return r;
}

function must(cmd, args, opts = {}) {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout;
}

/** Runs a command to its end with output drained (as a terminal would take it); wall ms and peak RSS. */
function timedSpawn(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let bytes = 0;
    let tail = '';
    const take = (chunk) => {
      bytes += chunk.length;
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    // VmHWM is the process's own peak RSS; read it while the process lives.
    let peakKb = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        /* ended */
      }
    };
    const timer = opts.sampleRss ? setInterval(sample, 20) : null;
    child.on('error', reject);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, bytes, tail, peakRss: peakKb * 1024 });
    });
  });
}

/** CPU time (user + system, ms) of every child this process has waited for, from /proc/self/stat. */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat(5) (cutime, cstime), counted from after the command name.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

/** Runs the steps in order; wall ms and the CPU ms they used (children and grandchildren included). */
async function sequence(steps, cwd) {
  const started = process.hrtime.bigint();
  const cpu = childrenCpuMs();
  for (const [cmd, args, expect] of steps) {
    const r = await timedSpawn(cmd, args, { cwd });
    if (r.code !== expect) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}, expected ${expect}\n${r.tail}`);
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: childrenCpuMs() - cpu };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const msf = (ms) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
const kb = (bytes) => `${Math.round(bytes / 1000)} KB`;
const int = (n) => n.toLocaleString('en-US');

function row(section, benchmark, product, bare, ratio, target, met) {
  rows.push({ section, benchmark, product, bare, ratio, target, met });
}

/** Bundles a TypeScript bench entry (it imports the engine's sources) into one file node runs. */
async function bundle(entry) {
  const outfile = path.join(work, path.basename(entry).replace(/\.ts$/, '.cjs'));
  await esbuild.build({ entryPoints: [path.join(root, entry)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error', define: { 'import.meta.url': 'importMetaUrl' }, banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" } });
  return outfile;
}

function machine() {
  const py = run(PYTHON, ['-c', 'import sys, pytest; print(sys.version.split()[0], pytest.__version__)']);
  const [python, pytest] = (py.stdout ?? '').trim().split(' ');
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    ramGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    python: python ?? null,
    pytest: pytest ?? null,
    git: (run('git', ['--version']).stdout ?? '').trim().replace(/^git version /, ''),
  };
}

// ---------------------------------------------------------------------------------------------
// The product, built as it ships

function buildProduct() {
  say('building the production bundles (node esbuild.mjs --production)');
  must(process.execPath, ['esbuild.mjs', '--production'], { cwd: root });
}

// ---------------------------------------------------------------------------------------------
// 1. Loop overhead against the same pytest commands and `git apply` by hand

const BASELINE = ['-m', 'pytest', '-q', 'tests/smoke', '-k', 'smoke', '--maxfail=3', '-rf'];

function loopSide(dir, fixPath) {
  return sequence([[process.execPath, [path.join(root, 'dist/cli.js'), 'run', '--cwd', dir, '--python', PYTHON, '--producer', 'command', '--producer-command', `cat >/dev/null; cat '${fixPath}'`], 0]], dir);
}

function handSide(dir, fixPath) {
  return sequence([[PYTHON, BASELINE, 1], ['git', ['apply', fixPath], 0], [PYTHON, BASELINE, 0]], dir);
}

/**
 * The same by hand with pytest's own `--junitxml` to artifacts/smoke.xml, which the product must write
 * (PRODUCT.md 1, the spec's artifacts): what is left above it is the product's own cost.
 */
function handJunitSide(dir, fixPath) {
  const args = [...BASELINE, '--junitxml=artifacts/smoke.xml'];
  return sequence([[PYTHON, args, 1], ['git', ['apply', fixPath], 0], [PYTHON, args, 0]], dir);
}

/** Where the loop's own time goes, from its run log's timestamps (the last loop run of a suite). */
function phases(dir) {
  try {
    const lines = readFileSync(path.join(dir, 'artifacts', 'run-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const t = (l) => Date.parse(l.time ?? l.ts ?? l.at);
    const first = t(lines[0]);
    return lines.map((l) => ({ at: t(l) - first, kind: l.kind ?? l.type ?? l.event?.type ?? null, detail: l.event?.type ?? l.label ?? null }));
  } catch {
    return null;
  }
}

async function loopBench() {
  const sizes = quick ? [10, 500] : [10, 500, 5000];
  const out = [];
  for (const n of sizes) {
    const pairs = Number(process.env.BENCH_PAIRS) || (quick ? 3 : n >= 5000 ? 3 : 5);
    const dir = path.join(work, `suite-${n}`);
    const fixPath = path.join(work, `fix-${n}.diff`);
    writeFileSync(fixPath, FIX);
    makeSuite(dir, n);
    say(`loop overhead: ${n} passing + 1 failing smoke tests, ${pairs} rounds of three sides`);
    // One unmeasured round each warms the disk cache and Python's imports.
    const sides = { loop: loopSide, hand: handSide, junit: handJunitSide };
    for (const side of Object.values(sides)) {
      reset(dir);
      await side(dir, fixPath);
    }
    const times = { loop: [], hand: [], junit: [] };
    let loopPhases = null;
    for (let p = 0; p < pairs; p++) {
      // Each side first, second and last in turn, so a drift of the machine's speed is shared.
      const names = Object.keys(sides);
      const order = [...names.slice(p % 3), ...names.slice(0, p % 3)];
      for (const name of order) {
        reset(dir);
        times[name].push(await sides[name](dir, fixPath));
        if (name === 'loop') loopPhases = phases(dir);
      }
    }
    const { loop, hand, junit } = times;
    const l = median(loop.map((x) => x.ms));
    const h = median(hand.map((x) => x.ms));
    const j = median(junit.map((x) => x.ms));
    const lc = median(loop.map((x) => x.cpuMs));
    const hc = median(hand.map((x) => x.cpuMs));
    const jc = median(junit.map((x) => x.cpuMs));
    const r = {
      tests: n + 1,
      pairs,
      loop,
      hand,
      handJunit: junit,
      loopMedianMs: l,
      handMedianMs: h,
      handJunitMedianMs: j,
      ratio: l / h,
      overheadMs: l - h,
      junitRatio: l / j,
      junitOverheadMs: l - j,
      loopCpuMs: lc,
      handCpuMs: hc,
      handJunitCpuMs: jc,
      cpuRatio: lc / hc,
      cpuOverheadMs: lc - hc,
      phases: loopPhases,
    };
    out.push(r);
    say(`loop overhead: ${n + 1} tests: loop ${sec(l)} (CPU ${sec(lc)}), by hand ${sec(h)} (CPU ${sec(hc)}), by hand with --junitxml ${sec(j)} (CPU ${sec(jc)})`);
    const target = n <= 10 ? 'overhead < 0.3 s' : n <= 500 ? 'ratio ≤ 1.05' : 'ratio ≤ 1.03';
    const met = n <= 10 ? r.overheadMs < 300 : n <= 500 ? r.ratio <= 1.05 : r.ratio <= 1.03;
    const plus = (ms) => `${ms >= 0 ? '+' : ''}${sec(ms)}`;
    row('loop', `fix 1 failure, ${int(n + 1)} smoke tests: wall clock (median of ${pairs} rounds)`, sec(l), sec(h), `${r.ratio.toFixed(2)} (${plus(r.overheadMs)})`, target, met);
    const cpuMet = n <= 10 ? r.cpuOverheadMs < 300 : n <= 500 ? r.cpuRatio <= 1.05 : r.cpuRatio <= 1.03;
    row('loop', `fix 1 failure, ${int(n + 1)} smoke tests: CPU time (median of ${pairs} rounds)`, sec(lc), sec(hc), `${r.cpuRatio.toFixed(2)} (${plus(r.cpuOverheadMs)})`, target, cpuMet);
    // The product's own share: against the same runs by hand writing the JUnit file it must write.
    const ownTarget = n <= 10 ? 'overhead < 0.2 s' : 'ratio ≤ 1.02';
    const ownMet = n <= 10 ? r.junitOverheadMs < 200 : r.junitRatio <= 1.02;
    row('loop', `fix 1 failure, ${int(n + 1)} smoke tests: wall clock against the same runs by hand with \`--junitxml\``, sec(l), sec(j), `${r.junitRatio.toFixed(2)} (${plus(r.junitOverheadMs)})`, ownTarget, ownMet);
  }
  results.sections.loop = out;
}

// ---------------------------------------------------------------------------------------------
// 2. JUnit XML + plugin records + signatures at scale

async function junitBench() {
  const entry = await bundle('bench/lib/junit.ts');
  const sizes = quick ? [1000, 10000] : [1000, 10000, 100000];
  const out = [];
  for (const n of sizes) {
    const dir = path.join(work, `junit-${n}`);
    mkdirSync(dir, { recursive: true });
    must(process.execPath, [entry, 'gen', String(n), dir]);
    const runs = [];
    for (let i = 0; i < (n >= 100000 ? 3 : 5); i++) {
      // The whole process too: node's start-up and the modules' loading, which a run pays once.
      const proc = await timedSpawn(process.execPath, ['--expose-gc', entry, 'read', String(n), dir]);
      if (proc.code !== 0) throw new Error(`junit read ${n} exited ${proc.code}: ${proc.tail}`);
      runs.push({ ...JSON.parse(proc.tail.trim().split('\n').pop()), processMs: proc.ms });
    }
    const best = runs.sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)];
    const againMbPerS = median(runs.map((r) => r.againMbPerS));
    const againMbPerCpuS = median(runs.map((r) => r.againMbPerCpuS));
    const processMs = median(runs.map((r) => r.processMs));
    out.push({ ...best, againMbPerS, againMbPerCpuS, processMs, runs: runs.map((r) => ({ ms: r.ms, cpuMs: r.cpuMs, againMs: r.againMs, againCpuMs: r.againCpuMs, processMs: r.processMs })) });
    say(`junit: ${int(n)} cases, ${mb(best.xmlBytes)} of XML: first read ${msf(best.ms)} (${best.mbPerS.toFixed(0)} MB/s, CPU ${best.mbPerCpuS.toFixed(0)} MB/s), again ${againMbPerS.toFixed(0)} MB/s (CPU ${againMbPerCpuS.toFixed(0)} MB/s), whole process ${msf(processMs)}, peak RSS ${mb(best.peakRss)}`);
    row('junit', `JUnit + signatures, ${int(n)} cases (${mb(best.xmlBytes)} XML): first read in a fresh process`, `${best.mbPerS.toFixed(0)} MB/s (per CPU second: ${best.mbPerCpuS.toFixed(0)} MB/s)`, `peak RSS ${mb(best.peakRss)}`, '', '≥ 50 MB/s, memory bounded', best.mbPerS >= 50);
    row('junit', `JUnit + signatures, ${int(n)} cases: read again in the same process`, `${againMbPerS.toFixed(0)} MB/s (per CPU second: ${againMbPerCpuS.toFixed(0)} MB/s)`, `whole process ${msf(processMs)} (${(best.xmlBytes / 1e6 / (processMs / 1000)).toFixed(0)} MB/s)`, '', '≥ 50 MB/s', againMbPerS >= 50);
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  }
  results.sections.junit = out;
}

// ---------------------------------------------------------------------------------------------
// 3. Snapshot and 5-file rollback on large repositories

async function snapshotBench() {
  const entry = await bundle('bench/lib/snapshot.ts');
  const sizes = quick ? [1000, 10000] : [1000, 10000, 100000];
  const out = [];
  for (const n of sizes) {
    const dir = path.join(work, `repo-${n}`);
    mkdirSync(dir, { recursive: true });
    say(`snapshot: generating a repository of ${int(n)} files`);
    must(process.execPath, [entry, 'gen', String(n), dir]);
    // Warm git's view of the tree once, as any editor or `git status` would have.
    must('git', ['status', '--porcelain'], { cwd: dir });
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(JSON.parse(must(process.execPath, [entry, 'run', String(n), dir]).trim()));
    const m = { files: n, takeMs: median(runs.map((r) => r.takeMs)), checkpointMs: median(runs.map((r) => r.checkpointMs)), rollbackMs: median(runs.map((r) => r.rollbackMs)), openMs: median(runs.map((r) => r.openMs)), runs };
    out.push(m);
    const gitStatus = await timedSpawn('git', ['status', '--porcelain'], { cwd: dir });
    m.gitStatusMs = gitStatus.ms;
    say(`snapshot: ${int(n)} files: take ${msf(m.takeMs)}, checkpoint ${msf(m.checkpointMs)}, 5-file rollback ${msf(m.rollbackMs)} (git status ${msf(m.gitStatusMs)})`);
    row('snapshot', `snapshot, ${int(n)}-file repository`, msf(m.takeMs), `git status ${msf(m.gitStatusMs)}`, (m.takeMs / m.gitStatusMs).toFixed(2), '< 1 s', m.takeMs < 1000);
    row('snapshot', `5-file rollback, ${int(n)}-file repository`, msf(m.rollbackMs), '', '', '< 1 s, ∝ changes', m.rollbackMs < 1000);
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  }
  results.sections.snapshot = out;
}

// ---------------------------------------------------------------------------------------------
// 4. Extension: bundle sizes, load time, activation in the real VS Code of the tests

async function extensionBench() {
  const size = (f) => statSync(path.join(root, 'dist', f)).size;
  const sizes = { extension: size('extension.js'), engine: size('engine.js'), cli: size('cli.js'), mcpSdk: size('mcp-sdk.js'), openaiProducer: size('openai-producer.js') };
  row('extension', 'packaged extension.js (minified)', kb(sizes.extension), `lazy: engine ${kb(sizes.engine)}, MCP SDK ${kb(sizes.mcpSdk)}, OpenAI ${kb(sizes.openaiProducer)}`, '', '< 500 KB', sizes.extension < 500_000);
  row('extension', 'packaged cli.js (minified)', kb(sizes.cli), '', '', '', null);
  // Time node takes to read and evaluate the bundle (what the extension host pays before `activate`).
  const probe = `const M=require('module');const o=M._load;M._load=function(r,...a){return r==='vscode'?{}:o.call(this,r,...a)};const t=process.hrtime.bigint();require(${JSON.stringify(path.join(root, 'dist/extension.js'))});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
  const loads = [];
  for (let i = 0; i < 7; i++) loads.push(Number(must(process.execPath, ['-e', probe]).trim()));
  const loadMs = median(loads);
  row('extension', 'load extension.js (node, median of 7)', msf(loadMs), '', '', '', null);
  const activation = await activationInCodeServer().catch((error) => ({ error: String(error?.message ?? error) }));
  if (activation.error) say(`activation: not measured: ${activation.error}`);
  else row('extension', `activation in VS Code (code-server, median of ${activation.samples.length} window loads)`, msf(activation.activateMs), `of which the activate call ${activation.activateCallMs === null ? '?' : msf(activation.activateCallMs)}`, '', '< 50 ms', activation.activateMs < 50);
  results.sections.extension = { sizes, loadMs, loads, activation };
}

/** The extension host's own activation figure in code-server, median of several window loads. */
async function activationInCodeServer() {
  const { benchActivation } = await import('./activation.mjs');
  return benchActivation({ reloads: quick ? 3 : 7, log: say });
}

// ---------------------------------------------------------------------------------------------
// 5. Output: a test run printing 100 MB

async function outputBench() {
  const megabytes = quick ? 20 : 100;
  const out = [];
  // A fifth of the output as well: memory that does not grow with the output is the same at both sizes.
  for (const mbOut of [0, megabytes / 5, megabytes]) {
    const dir = path.join(work, `output-${mbOut}`);
    const fixPath = path.join(work, `fix-output.diff`);
    writeFileSync(fixPath, FIX);
    makeSuite(dir, 50, { conftest: outputConftest(mbOut) });
    reset(dir);
    const loop = await timedSpawn(process.execPath, [path.join(root, 'dist/cli.js'), 'run', '--cwd', dir, '--python', PYTHON, '--producer', 'command', '--producer-command', `cat >/dev/null; cat '${fixPath}'`], { cwd: dir, sampleRss: true });
    if (loop.code !== 0) throw new Error(`the loop ended with ${loop.code}: ${loop.tail}`);
    reset(dir);
    const { ms: handMs } = await handSide(dir, fixPath);
    out.push({ printedMB: mbOut * 2, loopMs: loop.ms, handMs, terminalBytes: loop.bytes, peakRss: loop.peakRss });
    say(`output: ${mbOut * 2} MB printed over two runs: loop ${sec(loop.ms)} (peak RSS ${mb(loop.peakRss)}), by hand ${sec(handMs)}`);
  }
  const [quiet, fifth, loud] = out;
  row(
    'output',
    `2 runs printing ${loud.printedMB / 2} MB each: CLI peak RSS`,
    mb(loud.peakRss),
    `${fifth.printedMB / 2} MB each ${mb(fifth.peakRss)}; quiet run ${mb(quiet.peakRss)}`,
    `${(loud.peakRss / fifth.peakRss).toFixed(2)}`,
    'flat: ≤ 1.2 × at a fifth of the output',
    loud.peakRss <= fifth.peakRss * 1.2,
  );
  row('output', `2 runs printing ${loud.printedMB / 2} MB each: wall clock`, sec(loud.loopMs), sec(loud.handMs), (loud.loopMs / loud.handMs).toFixed(2), 'keeps up', null);
  results.sections.output = out;
  const ext = await outputInCodeServer(megabytes).catch((error) => ({ error: String(error?.message ?? error) }));
  results.sections.outputExtension = ext;
  if (ext.error) {
    say(`output in VS Code: not measured: ${ext.error}`);
    return;
  }
  const q = ext.quiet;
  const l = ext.loud;
  const what = `VS Code (code-server), 2 runs printing ${l.megabytes} MB each`;
  row('output', `${what}: wall clock from the palette to summary.json`, sec(l.wallMs), `quiet run ${sec(q.wallMs)}; CLI ${sec(loud.loopMs)}`, (l.wallMs / q.wallMs).toFixed(2), 'keeps up', null);
  row('output', `${what}: extension host CPU time`, sec(l.hostCpuMs), `quiet run ${sec(q.hostCpuMs)}`, (l.hostCpuMs / q.hostCpuMs).toFixed(2), '', null);
  row('output', `${what}: extension host peak RSS`, mb(l.hostPeakRss), `quiet run ${mb(q.hostPeakRss)}`, (l.hostPeakRss / q.hostPeakRss).toFixed(2), 'flat', l.hostPeakRss < q.hostPeakRss * 1.5);
  const lag = (r) => (r.terminalShown ? `${sec(r.terminalLagMs)} after summary.json` : 'not shown');
  row('output', `${what}: the terminal shows the outcome line`, lag(l), `quiet run ${lag(q)}`, '', '< 5 s', l.terminalShown && l.terminalLagMs < 5000);
}

/** The same loud run inside VS Code: the extension host's cost and whether its terminal keeps up. */
async function outputInCodeServer(megabytes) {
  const { benchExtensionOutput } = await import('./extension-output.mjs');
  return benchExtensionOutput({ megabytes, log: say, python: PYTHON });
}

// ---------------------------------------------------------------------------------------------

/**
 * With `--only`, the sections not run keep their figures from the last bench/results.json (each with the
 * time it was measured), so the table stays whole.
 */
function keepEarlierSections() {
  let earlier;
  try {
    earlier = JSON.parse(readFileSync(path.join(root, 'bench', 'results.json'), 'utf8'));
  } catch {
    return;
  }
  const order = ['loop', 'junit', 'snapshot', 'extension', 'output'];
  const mine = new Map(order.map((section) => [section, rows.filter((r) => r.section === section)]));
  rows.length = 0;
  results.measuredAt = {};
  for (const section of order) {
    if (wanted(section)) {
      rows.push(...mine.get(section));
      results.measuredAt[section] = results.startedAt;
    } else if (earlier.sections?.[section]) {
      rows.push(...(earlier.rows ?? []).filter((r) => r.section === section));
      results.sections[section] = earlier.sections[section];
      // The output section's figures from VS Code are kept beside the CLI's.
      if (section === 'output' && earlier.sections.outputExtension) results.sections.outputExtension = earlier.sections.outputExtension;
      results.measuredAt[section] = earlier.measuredAt?.[section] ?? earlier.startedAt;
    }
  }
}

function printTable() {
  const header = ['Benchmark', 'Smokes Fixer', 'bare / reference', 'ratio', 'target', 'met'];
  const body = rows.map((r) => [r.benchmark, r.product, r.bare, r.ratio, r.target, r.met === null || r.met === undefined ? '' : r.met ? 'yes' : 'no']);
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.join(' | ')} |`)];
  const m = results.machine;
  console.log(`\nSmokes Fixer benchmarks${quick ? ' (quick)' : ''}: ${m.nproc} × ${m.cpu}, ${m.ramGB} GB RAM, ${m.os}; node ${m.node}, Python ${m.python}, pytest ${m.pytest}, git ${m.git}\n`);
  console.log(lines.join('\n'));
  results.table = lines.join('\n');
}

try {
  if (wanted('loop') || wanted('output') || wanted('extension')) buildProduct();
  if (wanted('loop')) await loopBench();
  if (wanted('junit')) await junitBench();
  if (wanted('snapshot')) await snapshotBench();
  if (wanted('extension')) await extensionBench();
  if (wanted('output')) await outputBench();
  results.finishedAt = new Date().toISOString();
  if (only) keepEarlierSections();
  results.rows = rows;
  printTable();
  writeFileSync(path.join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  say('wrote bench/results.json');
} finally {
  rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
}
