// A producer that cannot start is a configuration error (PRODUCT.md 25), found before any run: the
// command's program on PATH or as a file, the OpenAI-compatible URL well formed and its key set. The
// vscode-lm producer is checked by the extension itself (it needs the `vscode` API).

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { SmokesError } from '../core/errors';
import type { Settings } from '../core/settings';

export interface ProducerCheck {
  ok: boolean;
  producer: string;
  detail: string;
  /** What to change when it is not ok. */
  hint?: string;
  /** The settings key to change, e.g. `producerCommand`. */
  setting?: string;
}

/** Shell words that are not programs: builtins, keywords, syntax. A command starting with one is not resolved. */
const SHELL_WORDS = new Set([
  '.', ':', '[', 'alias', 'break', 'case', 'cd', 'command', 'continue', 'eval', 'exec', 'exit', 'export', 'false', 'for', 'if', 'printf',
  'echo', 'read', 'readonly', 'return', 'set', 'shift', 'test', 'times', 'trap', 'true', 'type', 'ulimit', 'umask', 'unset', 'wait',
  'while', 'until', '{', '(', '!', 'env', 'nice', 'nohup', 'time', 'timeout',
]);

/**
 * The program a shell command line starts: its first word after `VAR=value` assignments, unquoted.
 * Null when the line starts with shell syntax or a builtin, which the shell resolves itself.
 */
export function commandProgram(commandLine: string): string | null {
  const words = shellWords(commandLine);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++;
  const first = words[i];
  if (!first || SHELL_WORDS.has(first) || /[$`*?]/.test(first)) return null;
  return first;
}

/** Splits the start of a command line into words (quotes and backslashes), up to the first operator. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        word += line[j];
        j++;
      }
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (/[;&|<>()]/.test(c)) {
      // An operator ends the first simple command; one before any word is shell syntax.
      if (inWord) words.push(word);
      else if (words.length === 0) words.push(c);
      return words;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

async function isExecutableFile(path: string): Promise<'ok' | 'missing' | 'not-executable' | 'directory'> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) return 'directory';
  } catch {
    return 'missing';
  }
  return access(path, constants.X_OK).then(
    () => 'ok' as const,
    () => 'not-executable' as const,
  );
}

/** Where a program name resolves on PATH, or null. */
export async function whichProgram(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if ((await isExecutableFile(candidate)) === 'ok') return candidate;
  }
  return null;
}

const COMMAND_HINT = 'Set producerCommand (--producer-command) to a command whose program is on PATH or a path to an executable file, run in the workspace.';

async function checkCommand(settings: Settings, workspace: string, env: NodeJS.ProcessEnv): Promise<ProducerCheck> {
  const command = settings.producerCommand.trim();
  const base = { producer: 'command', setting: 'producerCommand' };
  if (!command) return { ...base, ok: false, detail: 'producerCommand is empty', hint: 'Give the command that reads the JSON request on stdin and writes a unified diff on stdout (--producer-command).' };
  const program = commandProgram(command);
  if (program === null) return { ...base, ok: true, detail: `${command} (starts with shell syntax: its program is resolved when it runs)` };
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : resolve(workspace, program);
    const state = await isExecutableFile(path);
    if (state === 'ok') return { ...base, ok: true, detail: `${command} (${program} is an executable file)` };
    const why = state === 'missing' ? 'does not exist' : state === 'directory' ? 'is a folder' : 'is not executable (chmod +x it, or run it through its interpreter)';
    return { ...base, ok: false, detail: `the producer command "${command}" cannot start: ${program} ${why}`, hint: COMMAND_HINT };
  }
  const found = await whichProgram(program, env);
  if (found) return { ...base, ok: true, detail: `${command} (${program} is ${found})` };
  return { ...base, ok: false, detail: `the producer command "${command}" cannot start: ${program} is not on PATH`, hint: COMMAND_HINT };
}

export function isLocalUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === '127.0.0.1' || host === 'localhost' || host === '::1';
  } catch {
    return false;
  }
}

export function checkOpenAI(settings: Settings, env: NodeJS.ProcessEnv): ProducerCheck {
  const base = { producer: 'openai' };
  let url: URL;
  try {
    url = new URL(settings.openaiBaseUrl);
  } catch {
    return { ...base, ok: false, setting: 'openaiBaseUrl', detail: `openaiBaseUrl "${settings.openaiBaseUrl}" is not a URL`, hint: 'Set openaiBaseUrl (--openai-base-url) to the endpoint up to its API version, e.g. http://127.0.0.1:11434/v1.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ...base, ok: false, setting: 'openaiBaseUrl', detail: `openaiBaseUrl "${settings.openaiBaseUrl}" is not an http(s) URL`, hint: 'Set openaiBaseUrl (--openai-base-url) to an http:// or https:// endpoint, e.g. https://api.openai.com/v1.' };
  }
  const keyEnv = settings.openaiApiKeyEnv;
  const key = env[keyEnv]?.trim();
  if (!key && !isLocalUrl(settings.openaiBaseUrl)) {
    return { ...base, ok: false, setting: 'openaiApiKeyEnv', detail: `the environment variable ${keyEnv} holds no API key for ${settings.openaiBaseUrl}`, hint: `Set ${keyEnv}, or name another variable with openaiApiKeyEnv (--openai-api-key-env); only endpoints on 127.0.0.1 or localhost may go without a key.` };
  }
  return { ...base, ok: true, detail: `${settings.openaiModel} at ${settings.openaiBaseUrl}${key ? ` (key in ${keyEnv})` : ' (local, no key)'}` };
}

/** Whether the configured producer can start (PRODUCT.md 25). Never runs the producer. */
export async function checkProducer(settings: Settings, o: { workspace: string; env?: NodeJS.ProcessEnv }): Promise<ProducerCheck> {
  const env = o.env ?? process.env;
  switch (settings.producer) {
    case 'command':
      return checkCommand(settings, o.workspace, env);
    case 'openai':
      return checkOpenAI(settings, env);
    case 'manual':
      return { ok: true, producer: 'manual', detail: 'your own edits: the loop waits for them' };
    case 'vscode-lm':
      return {
        ok: false,
        producer: 'vscode-lm',
        setting: 'producer',
        detail: 'the vscode-lm producer exists only inside VS Code, which checks its model itself',
        hint: 'Run the loop from VS Code, or pick command, openai or manual (--producer).',
      };
  }
}

/** The check as the error the loop and the CLI stop with. */
export function producerUnavailable(check: ProducerCheck): SmokesError {
  return new SmokesError('producer-unavailable', `The patch producer cannot start: ${check.detail}.`, check.hint);
}
