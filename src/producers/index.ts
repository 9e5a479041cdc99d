import { SmokesError } from '../core/errors';
import type { Settings } from '../core/settings';
import type { PatchProducer } from '../core/types';
import { CommandProducer } from './command';
import { ManualProducer, waitForEnterOrChange, type ManualWaiter } from './manual';
import { OpenAIProducer } from './openai';

export { CommandProducer, EXIT_EXHAUSTED } from './command';
export { ManualProducer, waitForEnterOrChange, type ManualWaiter, type WaitOptions } from './manual';
export { OpenAIProducer } from './openai';
export { buildPrompt } from './prompt';

export interface CreateProducerOptions {
  workspace: string;
  env: NodeJS.ProcessEnv;
  /** How the manual producer learns that the person is done; by default it watches the workspace for saved changes. */
  manualWaiter?: ManualWaiter;
}

/** The producer the settings pick, checked before the loop starts so a bad set-up fails early and clearly. */
export function createProducer(settings: Settings, o: CreateProducerOptions): PatchProducer {
  const timeoutMs = settings.producerTimeoutSeconds * 1000;
  switch (settings.producer) {
    case 'command': {
      const command = settings.producerCommand.trim();
      if (!command) {
        throw new SmokesError(
          'config',
          'producerCommand is empty.',
          'Give the command that reads the JSON request on stdin and writes a unified diff on stdout, with --producer-command or the smokesFixer.producerCommand setting.',
        );
      }
      return new CommandProducer({ command, cwd: o.workspace, timeoutMs });
    }
    case 'openai': {
      const keyEnv = settings.openaiApiKeyEnv;
      const apiKey = o.env[keyEnv]?.trim() || null;
      if (!apiKey && !isLocalUrl(settings.openaiBaseUrl)) {
        throw new SmokesError(
          'config',
          `The environment variable ${keyEnv} holds no API key for ${settings.openaiBaseUrl}.`,
          `Set ${keyEnv}, or name another variable with openaiApiKeyEnv; only endpoints on 127.0.0.1 or localhost may go without a key.`,
        );
      }
      return new OpenAIProducer({ baseUrl: settings.openaiBaseUrl, model: settings.openaiModel, apiKey, timeoutMs, apiKeyEnv: keyEnv });
    }
    case 'manual':
      return new ManualProducer({ workspace: o.workspace, waitFor: o.manualWaiter ?? waitForEnterOrChange(o.workspace) });
    case 'vscode-lm':
      throw new SmokesError(
        'config',
        'The vscode-lm producer exists only inside VS Code.',
        'Run the loop from VS Code, or pick command, openai or manual with --producer.',
      );
  }
}

function isLocalUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === '127.0.0.1' || host === 'localhost' || host === '::1';
  } catch {
    return false;
  }
}
export { checkProducer, firstProgram, type ProducerCheck } from './preflight';
