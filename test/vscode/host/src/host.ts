// Test host: a test-only extension installed beside the product. On startup it waits for the product
// extension to be known, runs the mocha suite with the real `vscode` module and writes the results as
// JSON; the harness (scripts/test-vscode.mjs) waits for that file. Under @vscode/test-electron the same
// bundle serves as `--extensionTestsPath` through `run()`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TEST_MODEL } from './ids';
import { runSuite, type SuiteResults } from './run-suite';

export const PRODUCT_ID = 'smokes-fixer.smokes-fixer';
/** Where to write the results; the harness sets it in code-server's environment. */
export const RESULTS_ENV = 'SMOKES_FIXER_VSCODE_RESULTS';
/** Optional mocha grep, passed the same way. */
export const GREP_ENV = 'SMOKES_FIXER_VSCODE_GREP';

const suiteDir = path.join(__dirname, 'suite');

/** The language-model tool this host contributes: shaped like an MCP perplexity-ask tool as VS Code lists it. */
export const TEST_TOOL = 'testhost_perplexity_ask';


/** One request the test model received, as VS Code handed it over. */
export interface TestModelRequest {
  messages: string[];
  options: unknown;
  extensionId: string;
}

/** What the host offers the suite (the extension's exports): every input the test tool received. */
export interface TestHostApi {
  toolCalls: Array<{ input: unknown; at: string }>;
  /** Why the tool could not be registered, if it could not (the suite reports it). */
  registrationError: string | null;
  /** The test language model: its requests, what it answers (set by a test), why it is missing if it is. */
  model: { requests: TestModelRequest[]; answer: (prompt: string) => string; registrationError: string | null };
  /** This host's log folder: its parent holds the extension host's own log (exthost.log). */
  logDir: string;
}

const api: TestHostApi = {
  toolCalls: [],
  registrationError: null,
  model: { requests: [], answer: () => '', registrationError: null },
  logDir: '',
};

/** The text of a chat message as the provider receives it (content parts; `.value` on text parts). */
function messageText(message: unknown): string {
  const content = (message as { content?: unknown }).content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof (p as { value?: unknown }).value === 'string' ? (p as { value: string }).value : '')).join('');
  return '';
}

/**
 * Registers a language model through VS Code 1.100's provider API (`lm.registerChatModelProvider`, the
 * proposed `chatProvider` API: code-server must be started with --enable-proposed-api for this host). The
 * product reaches it through the stable `lm.selectChatModels` like any other model.
 */
function registerTestModel(context: vscode.ExtensionContext): void {
  const lm = vscode.lm as unknown as {
    registerChatModelProvider?: (id: string, provider: unknown, metadata: unknown) => vscode.Disposable;
  };
  if (typeof lm.registerChatModelProvider !== 'function') {
    api.model.registrationError = 'vscode.lm.registerChatModelProvider is not available (proposed API chatProvider not enabled?)';
    return;
  }
  try {
    const provider = {
      async provideLanguageModelResponse(
        messages: unknown[],
        options: unknown,
        extensionId: string,
        progress: vscode.Progress<{ index: number; part: vscode.LanguageModelTextPart }>,
      ): Promise<void> {
        const texts = messages.map(messageText);
        api.model.requests.push({ messages: texts, options, extensionId });
        progress.report({ index: 0, part: new vscode.LanguageModelTextPart(api.model.answer(texts.join('\n'))) });
      },
      async provideTokenCount(text: unknown): Promise<number> {
        return Math.ceil((typeof text === 'string' ? text : messageText(text)).length / 4);
      },
    };
    context.subscriptions.push(
      lm.registerChatModelProvider(TEST_MODEL.id, provider, {
        vendor: TEST_MODEL.vendor,
        name: TEST_MODEL.name,
        family: TEST_MODEL.family,
        version: '1',
        maxInputTokens: 100_000,
        maxOutputTokens: 10_000,
        isUserSelectable: true,
      }),
    );
  } catch (err) {
    api.model.registrationError = err instanceof Error ? err.message : String(err);
  }
}

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
  api.logDir = context.logUri.fsPath;
  registerTestTool(context);
  registerTestModel(context);
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
