// The JSON lines the product's pytest plugin (python/smokes_fixer_pytest.py) writes during a run.
// They carry what JUnit XML cannot: node ids, exception types and pytest's `reprcrash`.

import { readChunks, Utf8Chunks } from './fileText';
import { TracebackBudget } from './keptText';

/** pytest's `longrepr.reprcrash`: the deepest traceback frame, path relative to the rootdir. */
export interface CrashRecord {
  path: string | null;
  lineno: number | null;
  message: string;
}

/** Fields the plugin fills from the exception itself (its root cause for collection errors). */
interface ExceptionFields {
  excType?: string;
  excPath?: string;
  excLine?: number;
  excMessage?: string;
  /** The deepest frame in the project's own files (inside the rootdir, not an installed package). */
  projPath?: string;
  projLine?: number;
}

export interface SessionStartRecord {
  type: 'session-start';
  rootdir: string | null;
  pid: number;
  pytest: string;
}

export interface CollectedRecord {
  type: 'collected';
  items: Array<{ nodeid: string; file: string; line: number | null }>;
}

export interface DeselectedRecord {
  type: 'deselected';
  count: number;
}

export interface CollectErrorRecord extends ExceptionFields {
  type: 'collect-error';
  nodeid: string;
  crash: CrashRecord | null;
  longrepr: string | null;
}

/** A file or folder that collected without error (node ids without `::`). */
export interface CollectOkRecord {
  type: 'collect-ok';
  nodeid: string;
}

/** A conftest.py that failed to import before the session started (pytest exits 4). */
export interface ConftestErrorRecord extends ExceptionFields {
  type: 'conftest-error';
  nodeid: string | null;
  rootdir: string | null;
}

export interface TestRecord extends ExceptionFields {
  type: 'test';
  nodeid: string;
  when: 'setup' | 'call' | 'teardown';
  outcome: 'passed' | 'failed' | 'skipped';
  duration: number;
  location: { file: string; line: number | null; domain: string } | null;
  wasxfail?: string;
  crash?: CrashRecord | null;
  longrepr?: string | null;
  /** First crash-message line made independent of verbosity (long `==` operands cut as under -q). */
  sigMessage?: string | null;
  expected?: string;
  actual?: string;
  skipReason?: string;
}

export interface SessionFinishRecord {
  type: 'session-finish';
  rootdir: string | null;
  exitstatus: number;
}

export type PluginRecord =
  | SessionStartRecord
  | CollectedRecord
  | DeselectedRecord
  | CollectErrorRecord
  | CollectOkRecord
  | ConftestErrorRecord
  | TestRecord
  | SessionFinishRecord;

/** The module name passed to `pytest -p`. */
export const PLUGIN_MODULE = 'smokes_fixer_pytest';
/** The environment variable that tells the plugin where to write. */
export const PLUGIN_REPORT_ENV = 'SMOKES_FIXER_REPORT';

/**
 * Parses the plugin's JSON lines. A run killed mid-write can leave a partial last line: lines that are
 * not whole JSON objects are skipped, never fatal.
 */
export function parsePluginRecords(text: string): PluginRecord[] {
  const records: PluginRecord[] = [];
  let from = 0;
  while (from < text.length) {
    const nl = text.indexOf('\n', from);
    const end = nl < 0 ? text.length : nl;
    const record = parseLine(text.slice(from, end));
    if (record) records.push(record);
    from = end + 1;
  }
  return records;
}

function parseLine(line: string): PluginRecord | null {
  // JSON.parse takes white space around a value itself; a line without `{` is not a record.
  if (!line.includes('{')) return null;
  try {
    const value = JSON.parse(line) as unknown;
    if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') return value as PluginRecord;
  } catch {
    /* partial line of a killed run */
  }
  return null;
}

/**
 * The summary of a records file, read in chunks and parsed a line at a time: the file's text is never
 * held whole (a run with thousands of long tracebacks writes tens of MB). A missing file reads as no
 * records, like an empty one.
 */
export async function readPluginSummary(path: string): Promise<PluginSummary> {
  const summary = emptySummary();
  const budget = new TracebackBudget();
  const decoder = new Utf8Chunks(false);
  // A line that runs over chunks (the collected node ids of a large suite) is gathered in pieces and joined
  // once, not copied again with every chunk.
  const pieces: string[] = [];
  const line = (text: string) => {
    const record = parseLine(text);
    if (record) addRecord(summary, record, budget);
  };
  const take = (text: string) => {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      if (pieces.length > 0) {
        pieces.push(text.slice(from, nl));
        line(pieces.join(''));
        pieces.length = 0;
      } else line(text.slice(from, nl));
      from = nl + 1;
    }
    if (from < text.length) pieces.push(text.slice(from));
  };
  try {
    await readChunks(path, (chunk) => take(decoder.decode(chunk) ?? ''));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  take(decoder.end() ?? '');
  if (pieces.length > 0) line(pieces.join(''));
  return summary;
}

/** What a run's records say, gathered in one place. */
export interface PluginSummary {
  rootdir: string | null;
  exitstatus: number | null;
  collected: CollectedRecord['items'];
  deselected: number;
  tests: TestRecord[];
  collectErrors: CollectErrorRecord[];
  conftestErrors: ConftestErrorRecord[];
  /** Files and folders that collected (node ids); empty from plugins older than this record. */
  collectedFiles: string[];
}

function emptySummary(): PluginSummary {
  return {
    rootdir: null,
    exitstatus: null,
    collected: [],
    deselected: 0,
    tests: [],
    collectErrors: [],
    conftestErrors: [],
    collectedFiles: [],
  };
}

export function summarizeRecords(records: PluginRecord[]): PluginSummary {
  const summary = emptySummary();
  const budget = new TracebackBudget();
  for (const r of records) addRecord(summary, r, budget);
  return summary;
}

function addRecord(summary: PluginSummary, r: PluginRecord, budget: TracebackBudget): void {
  switch (r.type) {
    case 'session-start':
      summary.rootdir = r.rootdir;
      break;
    case 'collected':
      summary.collected = r.items;
      break;
    case 'deselected':
      summary.deselected += r.count;
      break;
    case 'test':
      if (typeof r.longrepr === 'string') r.longrepr = budget.keep(r.longrepr);
      summary.tests.push(r);
      break;
    case 'collect-error':
      if (typeof r.longrepr === 'string') r.longrepr = budget.keep(r.longrepr);
      summary.collectErrors.push(r);
      break;
    case 'collect-ok':
      summary.collectedFiles.push(r.nodeid);
      break;
    case 'conftest-error':
      summary.conftestErrors.push(r);
      if (r.rootdir) summary.rootdir = r.rootdir;
      break;
    case 'session-finish':
      summary.exitstatus = r.exitstatus;
      if (r.rootdir) summary.rootdir = r.rootdir;
      break;
  }
}
