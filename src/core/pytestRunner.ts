// Runs pytest the way the spec says and reads what happened: JUnit XML for tests and outcomes, the
// product's plugin records for node ids, signatures, crash locations and the collected selection.
// Never reads results from terminal text; that is only streamed to the user.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SmokesError } from './errors';
import { readJUnitFile, type JUnitCase, type JUnitReport } from './junit';
import {
  PLUGIN_MODULE,
  PLUGIN_REPORT_ENV,
  readPluginSummary,
  type CollectedRecord,
  type PluginSummary,
  type TestRecord,
} from './pluginReport';
import { ProcessTracker, runProcess, stripAnsi } from './processes';
import { TextTail } from './textTail';
import { displayCommand } from './pytestCommand';
import { displayPython, findInterpreter } from './interpreter';
import { failuresFromRecords } from './signature';
import {
  MAX_CAPTURED_OUTPUT,
  silentLogger,
  type CrashLocation,
  type Logger,
  type PytestExitMeaning,
  type PytestRun,
  type RunCounts,
  type RunLabel,
  type TestCaseResult,
  type TestOutcome,
} from './types';
import { PYTEST_CACHE, SYS_PATH_EXPR, cacheFileFor, importPathCacheDir, pytestFoundBefore, writeCached } from './importPathCache';

export interface RunPytestOptions {
  cwd: string;
  python: string;
  args: string[];
  label: RunLabel;
  /** Absolute, e.g. <workspace>/artifacts; smoke.xml (and smoke.html) are written here. */
  artifactsDir: string;
  ndSmoke: boolean;
  signal?: AbortSignal;
  tracker?: ProcessTracker;
  log?: Logger;
  onOutput?: (text: string) => void;
  baseEnv?: NodeJS.ProcessEnv;
  /** Add `--html=<artifactsDir>/smoke.html --self-contained-html` (pytest-html installed). */
  html?: boolean;
  /** The interpreter as shown in the command (relative inside the workspace); `python` when omitted. */
  pythonDisplay?: string;
  /** See `RunProcessOptions.readPause`: pytest's output is read no faster than `onOutput`'s reader takes it. */
  readPause?: () => Promise<void> | null;
}

/** pytest's exit codes (pytest.ExitCode). */
export const EXIT_MEANINGS: Record<number, PytestExitMeaning> = {
  0: 'passed',
  1: 'failed',
  2: 'interrupted',
  3: 'internal-error',
  4: 'usage-error',
  5: 'no-tests',
};

/** Variables of live ndsmoke mode (PRODUCT.md 14): never inherited, only set when enabled. */
export const ND_SMOKE_ENV = { ND_SMOKE: '1', ND_SMOKE_TEMPERATURE: '0', ND_SMOKE_TOP_P: '0' } as const;

// ---------------------------------------------------------------------------------------------
// The plugin folder

function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/**
 * The folder holding `smokes_fixer_pytest.py`: `src/core/python` when running from source, `dist/python`
 * beside the bundles (esbuild.mjs copies it there).
 */
export function pluginDir(from: string = moduleDir()): string {
  const candidates = [join(from, 'python'), join(from, '..', 'python'), join(from, '..', 'src', 'core', 'python'), join(from, '..', '..', 'src', 'core', 'python')];
  for (const dir of candidates) {
    if (existsSync(join(dir, `${PLUGIN_MODULE}.py`))) return resolve(dir);
  }
  throw new SmokesError(
    'config',
    `The product's pytest plugin (${PLUGIN_MODULE}.py) was not found near ${from}.`,
    'Reinstall the extension or rebuild it (`node esbuild.mjs` copies the plugin to dist/python).',
  );
}

/** The child environment: ND_SMOKE only when enabled, wide columns, the plugin on PYTHONPATH. */
export function pytestEnv(o: { baseEnv?: NodeJS.ProcessEnv; ndSmoke: boolean; reportPath: string; pluginPath: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(o.baseEnv ?? process.env) };
  for (const key of Object.keys(ND_SMOKE_ENV)) delete env[key];
  if (o.ndSmoke) Object.assign(env, ND_SMOKE_ENV);
  env.COLUMNS = '200';
  // Colour comes from `--color=yes`, which colours only the terminal the user watches. PY_COLORS=1 would
  // also colour every str(longrepr), so escape codes would land in the JUnit XML and the records.
  env.PY_COLORS = '0';
  env.PYTHONPATH = env.PYTHONPATH ? `${o.pluginPath}${delimiter}${env.PYTHONPATH}` : o.pluginPath;
  env[PLUGIN_REPORT_ENV] = o.reportPath;
  return env;
}

// ---------------------------------------------------------------------------------------------
// Running

/** Where the plugin's records of a run are kept: `artifacts/smoke.xml` → `artifacts/smoke.records.jsonl`. */
export function recordsPathFor(junitPath: string): string {
  return junitPath.replace(/\.xml$/i, '') + '.records.jsonl';
}

export async function runPytest(o: RunPytestOptions): Promise<PytestRun> {
  const log = o.log ?? silentLogger;
  throwIfCancelled(o.signal);
  await mkdir(o.artifactsDir, { recursive: true });
  const junitPath = join(o.artifactsDir, 'smoke.xml');
  // A file left by an earlier run must never be read as this run's result.
  await rm(junitPath, { force: true });
  await rm(recordsPathFor(junitPath), { force: true });

  const tempDir = await mkdtemp(join(tmpdir(), 'smokes-pytest-'));
  const reportPath = join(tempDir, 'report.jsonl');
  const extra = ['-p', PLUGIN_MODULE, `--junitxml=${junitPath}`, '--color=yes'];
  if (o.html) extra.push(`--html=${join(o.artifactsDir, 'smoke.html')}`, '--self-contained-html');
  const argv = [o.python, '-m', 'pytest', ...o.args, ...extra];
  const command = displayCommand(o.args, o.pythonDisplay ?? displayPython(o.python, o.cwd));
  log.debug(`pytest argv: ${argv.join(' ')}`);

  const output = new TextTail(MAX_CAPTURED_OUTPUT * 2);
  const onText = (text: string) => {
    output.push(text);
    o.onOutput?.(text);
  };
  try {
    const result = await runProcess(o.python, argv.slice(1), {
      cwd: o.cwd,
      env: pytestEnv({ baseEnv: o.baseEnv, ndSmoke: o.ndSmoke, reportPath, pluginPath: pluginDir() }),
      extendEnv: false,
      signal: o.signal,
      tracker: o.tracker,
      onStdout: onText,
      onStderr: onText,
      readPause: o.readPause,
      // Its output is handed on and kept (the tail) above; no second copy.
      maxBuffer: 0,
      endDescendantsOnExit: true,
    });
    const plain = stripAnsi(output.text()).slice(-MAX_CAPTURED_OUTPUT);
    if (result.cancelled || o.signal?.aborted) throwIfCancelled(o.signal, true);
    if (result.spawnError) {
      throw new SmokesError(
        'config',
        `Could not start the Python interpreter "${o.python}": ${result.spawnError}.`,
        'Set pythonPath (or --python) to a working interpreter.',
      );
    }
    // Kept beside the JUnit file so `smokes-fixer signatures` can give stable signatures later.
    await copyFile(reportPath, recordsPathFor(junitPath)).catch(() => writeFile(recordsPathFor(junitPath), '').catch(() => undefined));
    const summary = await readPluginSummary(reportPath);
    if (result.exitCode === null) {
      throw new SmokesError(
        'pytest-killed',
        `pytest was ended by ${result.signal ?? 'a signal'} before it finished. ${summaryHint(plain)}`,
        'Run the command in a terminal to see what ends it (a test that kills its own process, or the system running out of memory).',
      );
    }
    const exitCode = result.exitCode;
    if (/No module named pytest\b/.test(plain) && summary.rootdir === null) {
      throw new SmokesError('pytest-missing', `pytest is not installed for ${o.python}.`, 'Install pytest in that interpreter, or set pythonPath (--python) to one that has it.');
    }
    const exitMeaning = EXIT_MEANINGS[exitCode] ?? 'internal-error';

    // A conftest.py that does not import ends pytest with 4 before any test: a failure worth repairing.
    const conftestBroken = exitCode === 4 && summary.conftestErrors.length > 0;
    if (!conftestBroken) throwForExit(exitCode, plain, command);

    const junit = conftestBroken ? null : await readJUnitReport(junitPath, plain);
    const assembled = assembleRun(junit, summary);
    if (exitCode === 2 && assembled.failures.length === 0) {
      throw new SmokesError(
        'pytest-internal',
        `pytest was interrupted (exit 2) without reporting a failure. ${summaryHint(plain)}`,
        `Run \`${command}\` in a terminal to see what stopped it.`,
      );
    }
    return {
      label: o.label,
      command,
      argv,
      cwd: o.cwd,
      exitCode,
      exitMeaning,
      ...assembled,
      output: plain,
      junitPath,
      durationMs: result.durationMs,
    };
  } finally {
    await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function throwIfCancelled(signal: AbortSignal | undefined, ended = false): void {
  if (!signal?.aborted && !ended) return;
  const reason: unknown = signal?.reason;
  if (reason instanceof SmokesError) throw reason;
  throw new SmokesError('cancelled', 'The pytest run was cancelled.');
}

function throwForExit(exitCode: number, output: string, command: string): void {
  switch (exitCode) {
    case 0:
    case 1:
    case 2:
      return;
    case 3:
      throw new SmokesError(
        'pytest-internal',
        `pytest stopped with an internal error (exit 3): ${lastLines(output, /INTERNALERROR|Error/)}`,
        'A pytest plugin or conftest.py hook crashed; run the command in a terminal and fix the hook, or disable the plugin with `-p no:NAME`.',
      );
    case 4:
      throw new SmokesError(
        'pytest-usage',
        `pytest rejected the command line (exit 4): ${lastLines(output, /error|ERROR/)}`,
        `Check the test selection and pytest options (ini addopts, PYTEST_ADDOPTS); \`${command}\` must work in a terminal.`,
      );
    case 5:
      throw new SmokesError(
        'pytest-no-tests',
        `pytest collected no tests for \`${command}\` (exit 5).`,
        'Check the test selection: the default runs tests/smoke with -k smoke; set node ids or a marker expression if your smoke tests live elsewhere.',
      );
    default:
      throw new SmokesError(
        'pytest-internal',
        `pytest ended with unexpected exit code ${exitCode}. ${summaryHint(output)}`,
        'Something in the test session called sys.exit; run the command in a terminal to find it.',
      );
  }
}

function lastLines(output: string, prefer: RegExp): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const preferred = lines.filter((l) => prefer.test(l));
  const chosen = (preferred.length ? preferred : lines).slice(-3).join(' / ');
  return chosen || '(no output)';
}

/** pytest's final "2 failed, 1 passed in 0.12s" line, when the output has one. */
export function pytestSummaryLine(output: string): string | null {
  const lines = stripAnsi(output).split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].replace(/^[=\s]+|[=\s]+$/g, '');
    if (/\bin \d+(\.\d+)?s\b/.test(line) && /\b(passed|failed|errors?|skipped|deselected|xfailed|xpassed|no tests ran|warnings?)\b/.test(line)) {
      return line;
    }
  }
  return null;
}

function summaryHint(output: string): string {
  const line = pytestSummaryLine(output);
  return line ? `pytest's own summary: "${line}".` : 'pytest printed no summary line.';
}

/** Reads and validates the JUnit file; a missing or cut-short file names pytest's own summary instead. */
export async function readJUnitReport(junitPath: string, output: string): Promise<JUnitReport> {
  try {
    return await readJUnitFile(junitPath);
  } catch (error) {
    if (error instanceof SmokesError) {
      throw new SmokesError('junit-unreadable', `${error.message} (${junitPath}) ${summaryHint(output)}`, error.hint, { cause: error });
    }
    throw new SmokesError(
      'junit-unreadable',
      `pytest wrote no JUnit XML to ${junitPath}. ${summaryHint(output)}`,
      'The run was probably killed before it finished; run the suite again, and check that nothing in the suite ends the process early.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Joining JUnit cases with the plugin's records

/** pytest's junitxml mangling of a node id into (classname, name), as `mangle_test_address` does it. */
export function junitAddress(nodeid: string): { classname: string; name: string } {
  const bracket = nodeid.indexOf('[');
  const path = bracket >= 0 ? nodeid.slice(0, bracket) : nodeid;
  const params = bracket >= 0 ? nodeid.slice(bracket) : '';
  const names = path.split('::');
  const file = names[0].replaceAll('/', '.');
  names[0] = file.endsWith('.py') ? file.slice(0, -3) : file;
  names[names.length - 1] += params;
  return { classname: names.slice(0, -1).join('.'), name: names[names.length - 1] };
}

/** Defensive: colour codes in JUnit XML are written as `#x1B[..m` (XML cannot hold ESC). */
function plainText(text: string): string {
  return stripAnsi(text.includes('#x1B[') ? text.replace(/#x1B\[[0-9;?]*[ -/]*[@-~]/g, '') : text);
}

/** Without a matching plugin record, a readable guess at the node id. */
function guessNodeid(c: JUnitCase): string {
  return c.classname ? `${c.classname}::${c.name}` : c.name;
}

const SEVERITY: Record<TestOutcome, number> = { passed: 0, xpassed: 1, skipped: 1, xfailed: 1, failed: 3, error: 2 };

/**
 * Whether a node id has a JUnit address, without building the address: pytest writes the cases in the
 * order it collected them, so most cases are the next collected node id, and this check is all they cost.
 * The address of the last path checked is remembered (the tests of a file or class share it, and their
 * cases share one classname string), so a case costs a few comparisons.
 */
class AddressCheck {
  /** The node id up to its last `::`, and the classname it makes; `usable` when the quick check holds for it. */
  private path = '';
  private classname = '';
  private usable = false;

  matches(nodeid: string, classname: string, name: string): boolean {
    // `<path>::<name>`.
    const sep = nodeid.length - name.length - 2;
    if (sep < 0 || nodeid.charCodeAt(sep) !== 58 || nodeid.charCodeAt(sep + 1) !== 58 || !nodeid.endsWith(name)) return false;
    if (sep !== this.path.length || classname !== this.classname || !nodeid.startsWith(this.path)) {
      this.path = nodeid.slice(0, sep);
      const address = junitAddress(nodeid);
      if (address.name !== name || address.classname !== classname) {
        this.classname = '';
        this.usable = false;
        return false;
      }
      // Kept as the case's own string, so the next cases of this file compare by reference.
      this.classname = classname;
      // Where the split of junitAddress is not at `sep` for some names (a `[` in the path, a run of
      // colons), the check is not made for this path; those cases are found by the index.
      this.usable = !this.path.includes('[') && this.path.charCodeAt(sep - 1) !== 58;
      return true;
    }
    if (!this.usable) return false;
    // The name's own `::` before its parameters would move the split.
    const colons = name.indexOf('::');
    return colons < 0 || (name.indexOf('[') >= 0 && name.indexOf('[') < colons);
  }
}

type CollectedItem = CollectedRecord['items'][number];

/**
 * Node ids of the cases that are not where the collected order puts them (a plugin that shuffles, a test
 * reported twice, a node id known only from a record), by JUnit address; built when the first one comes.
 */
class AddressIndex {
  private nodeids: string[] | null = null;
  private byAddress: Map<string, Map<string, number>> | null = null;
  private declared: Map<string, CollectedItem> | null = null;

  constructor(private readonly summary: PluginSummary) {}

  /** The case's node id and its index among the collected (-1 when it is not collected); a guess when unknown. */
  find(c: JUnitCase): { nodeid: string; at: number } {
    const { collected, tests, collectErrors } = this.summary;
    const nodeids = (this.nodeids ??= [...collected.map((i) => i.nodeid), ...tests.map((t) => t.nodeid), ...collectErrors.map((e) => e.nodeid)]);
    if (!this.byAddress) {
      // The first node id of an address counts.
      this.byAddress = new Map();
      for (let i = 0; i < nodeids.length; i++) {
        const a = junitAddress(nodeids[i]);
        let names = this.byAddress.get(a.classname);
        if (!names) this.byAddress.set(a.classname, (names = new Map<string, number>()));
        if (!names.has(a.name)) names.set(a.name, i);
      }
    }
    const found = this.byAddress.get(c.classname)?.get(c.name);
    if (found === undefined) return { nodeid: guessNodeid(c), at: -1 };
    return { nodeid: nodeids[found], at: found < collected.length ? found : -1 };
  }

  /** The collected item of a node id found by `find` outside the collected list (by a record's node id). */
  item(nodeid: string): CollectedItem | undefined {
    const collected = this.summary.collected;
    if (collected.length === 0) return undefined;
    return (this.declared ??= new Map(collected.map((i) => [i.nodeid, i]))).get(nodeid);
  }
}

/** A case's result: its outcome (xpassed from its records), time, text, location, and compared values. */
function caseResult(c: JUnitCase, nodeid: string, own: TestRecord[] | undefined, item: CollectedItem | undefined): TestCaseResult {
  let outcome: TestOutcome = c.outcome;
  if (own && outcome === 'passed' && own.some((r) => r.when === 'call' && r.outcome === 'passed' && r.wasxfail !== undefined)) outcome = 'xpassed';
  const result: TestCaseResult = { nodeid, outcome, durationMs: Math.round(c.time * 1000) };
  if (c.outcome !== 'passed') {
    if (c.message !== undefined) result.message = plainText(c.message);
    if (c.text !== undefined) result.text = plainText(c.text);
  }
  const loc = testLocation(own, item);
  if (loc) result.location = loc;
  const failedCall = own?.find((r) => r.when === 'call' && r.outcome === 'failed');
  if (failedCall?.expected !== undefined) result.expected = failedCall.expected;
  if (failedCall?.actual !== undefined) result.actual = failedCall.actual;
  return result;
}

export function assembleRun(
  junit: JUnitReport | null,
  summary: PluginSummary,
): Pick<PytestRun, 'tests' | 'failures' | 'counts' | 'collected' | 'collectedFiles'> {
  const cases = junit?.cases ?? [];
  // The records of a case are taken in order (see joinCases); when they were not in the cases' order,
  // the cases are joined again with the records by node id, so every case has the same records either way.
  const list = joinCases(cases, summary, null) ?? joinCases(cases, summary, recordsByNodeid(summary.tests))!;
  const counts: RunCounts = { passed: 0, failed: 0, errors: 0, skipped: 0, xfailed: 0, xpassed: 0, deselected: summary.deselected, total: list.length };
  const textOf = new Map<string, string>();
  for (const t of list) {
    if (t.outcome === 'error') counts.errors++;
    else counts[t.outcome]++;
    if (t.text !== undefined) textOf.set(t.nodeid, t.text);
  }
  const failures = failuresFromRecords(summary);
  // The traceback is in both files; when they agree, the run keeps one string for both.
  for (const f of failures) {
    const text = f.longrepr === undefined ? undefined : textOf.get(f.nodeid);
    if (text !== undefined && text === f.longrepr) f.longrepr = text;
  }
  return {
    tests: list,
    failures,
    counts,
    collected: summary.collected.map((c) => c.nodeid),
    collectedFiles: [...(summary.collectedFiles ?? [])],
  };
}

function recordsByNodeid(tests: TestRecord[]): Map<string, TestRecord[]> {
  const records = new Map<string, TestRecord[]>();
  for (const r of tests) {
    const list = records.get(r.nodeid);
    if (list) list.push(r);
    else records.set(r.nodeid, [r]);
  }
  return records;
}

/**
 * The results of the cases, a test reported more than once merged into one. Its records are looked up in
 * `records`, or, without it, taken in order: the plugin writes them in the order the tests ran, as JUnit
 * lists the cases, so the records of a test that has any are the next ones when its case comes (no node id
 * is hashed for the others). Returns null when, so taken, some were left over: they were not in order.
 */
function joinCases(cases: JUnitCase[], summary: PluginSummary, records: Map<string, TestRecord[]> | null): TestCaseResult[] | null {
  const { collected, tests } = summary;
  const check = new AddressCheck();
  const index = new AddressIndex(summary);
  const list: TestCaseResult[] = [];
  // Where each node id's result is in `list`: by its place among the collected, else by node id.
  const slotOfCollected = new Int32Array(collected.length).fill(-1);
  const slotOf = new Map<string, number>();
  // The records taken for the result in a slot of `list` (when taken in order).
  const recordsOf = new Map<number, TestRecord[]>();
  let taken = 0;
  let next = 0;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    let at = next;
    let nodeid: string;
    if (next < collected.length && check.matches(collected[next].nodeid, c.classname, c.name)) nodeid = collected[next++].nodeid;
    else {
      ({ nodeid, at } = index.find(c));
      // Back in the collected order from here (past tests that were deselected or did not run).
      if (at >= 0) next = at + 1;
    }
    const slot = at >= 0 ? slotOfCollected[at] : (slotOf.get(nodeid) ?? -1);
    let own: TestRecord[] | undefined;
    if (records) own = records.get(nodeid);
    else if (slot >= 0) own = recordsOf.get(slot);
    else if (taken < tests.length && tests[taken].nodeid === nodeid) {
      own = [tests[taken++]];
      while (taken < tests.length && tests[taken].nodeid === nodeid) own.push(tests[taken++]);
    }
    const item = at >= 0 ? collected[at] : index.item(nodeid);
    // Most tests passed and have no record: what caseResult makes of them, built at once.
    const result: TestCaseResult =
      own === undefined && c.outcome === 'passed' && item !== undefined && item.line !== null
        ? { nodeid, outcome: 'passed', durationMs: Math.round(c.time * 1000), location: { file: item.file, line: item.line } }
        : caseResult(c, nodeid, own, item);
    if (slot < 0) {
      if (at >= 0) slotOfCollected[at] = list.length;
      else slotOf.set(nodeid, list.length);
      if (own && !records) recordsOf.set(list.length, own);
      list.push(result);
    } else {
      const earlier = list[slot];
      if (SEVERITY[result.outcome] > SEVERITY[earlier.outcome]) list[slot] = { ...earlier, ...result, durationMs: earlier.durationMs + result.durationMs };
    }
  }
  return records || taken === tests.length ? list : null;
}

function testLocation(own: TestRecord[] | undefined, declared: { file: string; line: number | null } | undefined): CrashLocation | undefined {
  const loc = own?.find((r) => r.location)?.location;
  if (loc && loc.line !== null) return { file: loc.file, line: loc.line };
  if (declared && declared.line !== null) return { file: declared.file, line: declared.line };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Interpreter and pytest detection

/**
 * The interpreter's path or name (PRODUCT.md 27): configured, else an activated VIRTUAL_ENV, else the
 * workspace's `.venv/` or `venv/`, else `python3`, `python`. See findInterpreter for the reason too.
 */
export async function resolvePython(configured: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return (await findInterpreter(configured, cwd, env)).python;
}

const DETECT_SCRIPT = `
import importlib.util, json, os, sys
info = {"version": None, "html": False, "error": None, "paths": ${SYS_PATH_EXPR}}
try:
    import pytest
    info["version"] = pytest.__version__
except Exception as e:
    info["error"] = "%s: %s" % (type(e).__name__, e)
try:
    info["html"] = importlib.util.find_spec("pytest_html") is not None
except Exception:
    pass
print(json.dumps(info))
`;

export interface PytestDetection {
  ok: boolean;
  version: string | null;
  html: boolean;
  error: string | null;
}

/**
 * Whether pytest (and pytest-html) import in `python`. A pytest found is remembered per interpreter and
 * the state of its import path (importPathCache.ts), so a run does not start Python once more before its
 * baseline; a missing one is looked for again every time.
 */
export async function detectPytest(python: string, cwd: string, signal?: AbortSignal, o: { cacheDir?: string } = {}): Promise<PytestDetection> {
  const cacheDir = o.cacheDir ?? importPathCacheDir(PYTEST_CACHE);
  const cached = await pytestFoundBefore<PytestDetection>(python, cwd, cacheDir);
  if (cached) return cached;
  const cacheFile = cacheFileFor(cacheDir, python, cwd);
  const r = await runProcess(python, ['-c', DETECT_SCRIPT], { cwd, signal, timeoutMs: 60_000 });
  if (r.cancelled) throwIfCancelled(signal, true);
  if (r.spawnError) return { ok: false, version: null, html: false, error: `could not start ${python}: ${r.spawnError}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let info: { version: string | null; html: boolean; error: string | null; paths?: unknown };
  try {
    info = JSON.parse(line) as typeof info;
  } catch {
    return { ok: false, version: null, html: false, error: (r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`).split('\n').pop() ?? null };
  }
  const found: PytestDetection = { ok: info.version !== null, version: info.version, html: info.html === true, error: info.error };
  if (found.ok) await writeCached(cacheFile, info.paths, found, { python, workspace: cwd });
  return found;
}
