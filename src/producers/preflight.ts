import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Settings } from '../core/settings';

/** Whether the configured producer can start, found before the loop spends an attempt on it (PRODUCT.md 25). */
export interface ProducerCheck {
  ok: boolean;
  /** The producer as a person names it: `command: <cmd>`, `openai: <url>`, `manual`. */
  producer: string;
  /** What was found, one sentence. */
  detail: string;
  /** What to do next, when not ok. */
  hint?: string;
  /** The settings key to change (e.g. `producerCommand`), when not ok. */
  setting?: string;
}

/** Shell words that are not programs on PATH; a command starting with one is not checked further. */
const SHELL_WORDS = new Set(['cd', 'exec', 'env', 'command', 'eval', 'set', 'export', '.', 'source', 'if', 'for', 'while', 'case', '(', '{', 'true', 'false', 'test', '[', 'echo', 'printf', 'time', 'nice']);

/**
 * Checks the producer the settings pick. `command`: the command line is not empty and its program
 * exists and is executable (on PATH or as a path); `openai`: the URL is a URL and a key is there unless
 * the endpoint is local; `manual`: always. `vscode-lm` is checked by the extension, which alone can ask.
 */
export async function checkProducer(settings: Settings, o: { workspace: string; env?: NodeJS.ProcessEnv }): Promise<ProducerCheck> {
  const env = o.env ?? process.env;
  switch (settings.producer) {
    case 'command': {
      const command = settings.producerCommand.trim();
      const producer = `command: ${command || '(none)'}`;
      if (!command) {
        return { ok: false, producer, detail: 'No producer command is set.', hint: 'Set producerCommand to a command that reads the JSON request on stdin and writes a unified diff.', setting: 'producerCommand' };
      }
      const program = firstProgram(command);
      if (!program || SHELL_WORDS.has(program)) return { ok: true, producer, detail: `The command starts with the shell word "${program}"; it is not checked further.` };
      const found = await findProgram(program, o.workspace, env);
      if (!found) {
        return {
          ok: false,
          producer,
          detail: `The producer command's program "${program}" is not found${program.includes('/') ? '' : ' on PATH'} or is not executable.`,
          hint: `Install ${program} or change producerCommand.`,
          setting: 'producerCommand',
        };
      }
      return { ok: true, producer, detail: `The producer command's program is ${found}.` };
    }
    case 'openai': {
      const producer = `openai: ${settings.openaiBaseUrl}`;
      let url: URL;
      try {
        url = new URL(settings.openaiBaseUrl);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      } catch {
        return { ok: false, producer, detail: `"${settings.openaiBaseUrl}" is not an http(s) URL.`, hint: 'Set openaiBaseUrl to the endpoint\'s URL, e.g. https://api.openai.com/v1.', setting: 'openaiBaseUrl' };
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const local = host === '127.0.0.1' || host === 'localhost' || host === '::1';
      if (!local && !env[settings.openaiApiKeyEnv]?.trim()) {
        return {
          ok: false,
          producer,
          detail: `No API key: the environment variable ${settings.openaiApiKeyEnv} is empty.`,
          hint: `Set ${settings.openaiApiKeyEnv}, or name another variable with openaiApiKeyEnv.`,
          setting: 'openaiApiKeyEnv',
        };
      }
      return { ok: true, producer, detail: local ? 'A local endpoint: no key needed.' : `The key is in ${settings.openaiApiKeyEnv}.` };
    }
    case 'manual':
      return { ok: true, producer: 'manual', detail: 'Your own edits: nothing to start.' };
    case 'vscode-lm':
      return { ok: true, producer: 'vscode-lm', detail: 'Checked by VS Code, which alone can list its language models.' };
  }
}

/** The program a shell command line runs first, after any `NAME=value` assignments; quotes removed. */
export function firstProgram(command: string): string | null {
  const words = command.match(/(?:[^\s"';&|]+|"[^"]*"|'[^']*')+/g) ?? [];
  for (const word of words) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
    return word.replace(/["']/g, '');
  }
  return null;
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function findProgram(program: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : join(cwd, program);
    return (await executable(path)) ? path : null;
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, program);
    if (await executable(path)) return path;
  }
  return null;
}
