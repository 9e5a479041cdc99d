// Test host: a test-only extension installed beside the product. On startup it waits for the product
// extension to be known, runs the mocha suite with the real `vscode` module and writes the results as
// JSON; the harness (scripts/test-vscode.mjs) waits for that file. Under @vscode/test-electron the same
// bundle serves as `--extensionTestsPath` through `run()`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runSuite, type SuiteResults } from './run-suite';

export const PRODUCT_ID = 'smokes-fixer.smokes-fixer';
/** Where to write the results; the harness sets it in code-server's environment. */
export const RESULTS_ENV = 'SMOKES_FIXER_VSCODE_RESULTS';
/** Optional mocha grep, passed the same way. */
export const GREP_ENV = 'SMOKES_FIXER_VSCODE_GREP';

const suiteDir = path.join(__dirname, 'suite');

/** The language-model tool this host contributes: shaped like an MCP perplexity-ask tool as VS Code lists it. */
export const TEST_TOOL = 'testhost_perplexity_ask';

/** What the host offers the suite (the extension's exports): every input the test tool received. */
export interface TestHostApi {
  toolCalls: Array<{ input: unknown; at: string }>;
  /** Why the tool could not be registered, if it could not (the suite reports it). */
  registrationError: string | null;
}

const api: TestHostApi = { toolCalls: [], registrationError: null };

function registerTestTool(context: vscode.ExtensionContext): void {
  try {
    const tool = vscode.lm.registerTool<unknown>(TEST_TOOL, {
      invoke(options) {
        api.toolCalls.push({ input: options.input, at: new Date().toISOString() });
        const size = JSON.stringify(options.input ?? {}).length;
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(`canned answer from ${TEST_TOOL}: received ${size} characters`)]);
      },
    });
    context.subscriptions.push(tool);
  } catch (err) {
    api.registrationError = err instanceof Error ? err.message : String(err);
  }
}

async function waitForProduct(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (vscode.extensions.getExtension(PRODUCT_ID)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function writeJsonAtomically(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2));
  // The rename is the "done" signal: the harness never sees a half-written file.
  fs.renameSync(tmp, file);
}

async function runAll(): Promise<SuiteResults> {
  const startedAt = new Date().toISOString();
  if (!(await waitForProduct(60_000))) {
    const installed = vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.'));
    return {
      vscodeVersion: vscode.version,
      startedAt,
      finishedAt: new Date().toISOString(),
      files: [],
      stats: { tests: 0, passes: 0, failures: 0, pending: 0 },
      tests: [],
      fatal: `extension ${PRODUCT_ID} is not installed (non-builtin extensions: ${installed.join(', ') || 'none'})`,
    };
  }
  return runSuite({ suiteDir, vscodeVersion: vscode.version, grep: process.env[GREP_ENV] || undefined });
}

export async function activate(context: vscode.ExtensionContext): Promise<TestHostApi> {
  registerTestTool(context);
  // Without the harness' variable (started some other way), results go to the extension's global storage.
  const resultsFile = process.env[RESULTS_ENV] || path.join(context.globalStorageUri.fsPath, 'results.json');
  writeJsonAtomically(`${resultsFile}.started`, { pid: process.pid, vscodeVersion: vscode.version, at: new Date().toISOString() });
  // Not awaited: activation must return so the rest of the workbench (and the product) can start.
  void runAll()
    .catch((err: unknown) => ({
      vscodeVersion: vscode.version,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      files: [],
      stats: { tests: 0, passes: 0, failures: 0, pending: 0 },
      tests: [],
      fatal: `the test host failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    }))
    .then((results) => writeJsonAtomically(resultsFile, results));
  return api;
}

export function deactivate(): void {}

/** Entry point for `--extensionTestsPath` (@vscode/test-electron): throws when anything failed. */
export async function run(): Promise<void> {
  const results = await runAll();
  const out = process.env[RESULTS_ENV];
  if (out) writeJsonAtomically(out, results);
  for (const t of results.tests) {
    const mark = t.state === 'passed' ? '✔' : t.state === 'failed' ? '✘' : '-';
    console.log(`${mark} ${t.fullTitle}${t.error ? `\n    ${t.error.message}` : ''}`);
  }
  const { tests, passes, failures, pending } = results.stats;
  console.log(`${passes}/${tests} passed, ${failures} failed, ${pending} pending`);
  if (results.fatal) throw new Error(results.fatal);
  if (failures > 0 || pending > 0 || tests === 0) throw new Error(`${failures} failed, ${pending} pending, ${tests} run`);
}
