// Runs the bundled mocha suite (out/suite/**/*.test.js) in the current extension host and gathers
// every outcome into one serialisable record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface TestError {
  message: string;
  stack?: string;
  expected?: string;
  actual?: string;
}

export interface TestRecord {
  title: string;
  fullTitle: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: TestError;
}

export interface SuiteResults {
  vscodeVersion: string;
  startedAt: string;
  finishedAt: string;
  files: string[];
  stats: { tests: number; passes: number; failures: number; pending: number };
  tests: TestRecord[];
  /** Set when the suite could not run at all (no files, a file that throws on load, a host error). */
  fatal?: string;
}

export interface RunSuiteOptions {
  suiteDir: string;
  vscodeVersion: string;
  /** Only tests whose full title matches this pattern. */
  grep?: string;
  /** Per-test timeout: generous, the tests drive real pytest processes on a shared 2-core machine. */
  timeoutMs?: number;
}

export function findSuiteFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();
}

function describeValue(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

function toTestError(err: unknown): TestError {
  if (err instanceof Error) {
    const e = err as Error & { expected?: unknown; actual?: unknown; showDiff?: boolean };
    return {
      message: e.message,
      stack: e.stack,
      expected: 'expected' in e ? describeValue(e.expected) : undefined,
      actual: 'actual' in e ? describeValue(e.actual) : undefined,
    };
  }
  return { message: String(err) };
}

// Mocha needs a reporter; results are gathered from runner events, so this one stays silent.
class SilentReporter {
  constructor(_runner: Mocha.Runner) {}
}

export async function runSuite(o: RunSuiteOptions): Promise<SuiteResults> {
  const startedAt = new Date().toISOString();
  const files = findSuiteFiles(o.suiteDir);
  const tests: TestRecord[] = [];
  const finish = (fatal?: string): SuiteResults => {
    const count = (s: TestRecord['state']) => tests.filter((t) => t.state === s).length;
    return {
      vscodeVersion: o.vscodeVersion,
      startedAt,
      finishedAt: new Date().toISOString(),
      files,
      stats: { tests: tests.length, passes: count('passed'), failures: count('failed'), pending: count('pending') },
      tests,
      ...(fatal ? { fatal } : {}),
    };
  };
  if (files.length === 0) return finish(`no test files found in ${o.suiteDir}`);

  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: o.timeoutMs ?? 120_000,
    reporter: SilentReporter as unknown as Mocha.ReporterConstructor,
    ...(o.grep ? { grep: o.grep } : {}),
  });
  for (const f of files) mocha.addFile(f);

  return new Promise<SuiteResults>((resolve) => {
    let runner: Mocha.Runner;
    try {
      // Loads the files synchronously (they are CommonJS bundles) with mocha's BDD globals in place.
      runner = mocha.run(() => resolve(finish()));
    } catch (err) {
      resolve(finish(`the suite failed to load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
      return;
    }
    runner.on('pass', (t: Mocha.Test) =>
      tests.push({ title: t.title, fullTitle: t.fullTitle(), file: t.file, state: 'passed', durationMs: t.duration }),
    );
    runner.on('pending', (t: Mocha.Test) =>
      tests.push({ title: t.title, fullTitle: t.fullTitle(), file: t.file, state: 'pending' }),
    );
    // Also fires for failing hooks (before/after…), which then show up under the hook's title.
    runner.on('fail', (t: Mocha.Runnable, err: unknown) =>
      tests.push({
        title: t.title,
        fullTitle: t.fullTitle(),
        file: t.file,
        state: 'failed',
        durationMs: t.duration,
        error: toTestError(err),
      }),
    );
  });
}
