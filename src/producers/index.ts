import { SmokesError } from '../core/errors';
import type { Settings } from '../core/settings';
import type { PatchProducer } from '../core/types';
import { CommandProducer } from './command';
import { ManualProducer, waitForEnterOrChange, type ManualWaiter } from './manual';
import { OpenAIProducer } from './openai';
import { checkOpenAI as checkProducerSync, producerUnavailable } from './preflight';

export { CommandProducer, EXIT_EXHAUSTED } from './command';
export { ManualProducer, waitForEnterOrChange, type ManualWaiter, type WaitOptions } from './manual';
export { OpenAIProducer } from './openai';
export { buildPrompt } from './prompt';
export { checkProducer, producerUnavailable, type ProducerCheck } from './preflight';

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
      // A malformed URL or a missing key is a producer that cannot start (PRODUCT.md 25).
      const check = checkProducerSync(settings, o.env);
      if (!check.ok) throw producerUnavailable(check);
      const keyEnv = settings.openaiApiKeyEnv;
      const apiKey = o.env[keyEnv]?.trim() || null;
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
