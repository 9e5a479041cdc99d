import { SmokesError } from '../core/errors';
import type { Settings } from '../core/settings';
import type { ProducerCheck } from '../producers/preflight';
import type { Engine } from './engine';
import { fullSettingKey } from './settingsLink';
import type { VSCode, WorkspaceFolder } from './vscodeTypes';

/** The setting a person changes when a producer cannot start, by producer. */
const PRODUCER_SETTING = { command: 'producerCommand', openai: 'openaiBaseUrl', manual: 'producer', 'vscode-lm': 'lmModel' } as const;

/**
 * Whether a language model is there for the `vscode-lm` producer: the one `lmModel` names (id, then
 * family), else any. Only VS Code can answer, so the engine's preflight leaves this to the extension.
 */
export async function checkLanguageModel(vscode: VSCode, modelSetting: string): Promise<ProducerCheck> {
  const producer = `vscode-lm: ${modelSetting || 'any model'}`;
  const models = modelSetting
    ? [...(await vscode.lm.selectChatModels({ id: modelSetting })), ...(await vscode.lm.selectChatModels({ family: modelSetting }))]
    : await vscode.lm.selectChatModels();
  if (models.length === 0) {
    return {
      ok: false,
      producer,
      detail: modelSetting ? `No language model in VS Code matches "${modelSetting}".` : 'No language model is available in VS Code.',
      hint: 'Install and sign in to an extension that provides a chat model, change lmModel, or pick another producer.',
      setting: modelSetting ? 'lmModel' : 'producer',
    };
  }
  return { ok: true, producer, detail: `Language model: ${models.map((m) => `${m.vendor}/${m.id}`).join(', ')}.` };
}

/** The producer check for a folder: the engine's for command/openai/manual, VS Code's for vscode-lm. */
export async function checkProducerFor(
  vscode: VSCode,
  engine: Pick<Engine, 'checkProducer'>,
  folder: WorkspaceFolder,
  settings: Settings,
  env: NodeJS.ProcessEnv,
): Promise<ProducerCheck> {
  if (settings.producer === 'vscode-lm') return checkLanguageModel(vscode, settings.lmModel);
  return engine.checkProducer(settings, { workspace: folder.uri.fsPath, env });
}

/** A check that failed, as a VS Code user reads it: what cannot start and which setting to change (no CLI flags). */
export function producerProblemMessage(check: ProducerCheck): string {
  const setting = fullSettingKey(check.setting ?? 'producer');
  return `Smokes Fixer cannot start the patch producer (${check.producer}): ${check.detail} Change ${setting} in the settings.`;
}

/** A producer that failed to start during a run (`producer-unavailable`), as a failed check. */
export function checkFromError(error: SmokesError, settings: Settings): ProducerCheck {
  return {
    ok: false,
    producer: settings.producer === 'command' ? `command: ${settings.producerCommand}` : settings.producer,
    detail: error.message,
    setting: PRODUCER_SETTING[settings.producer],
  };
}
