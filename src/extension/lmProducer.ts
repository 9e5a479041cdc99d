import { SmokesError } from '../core/errors';
import { buildPrompt } from '../producers/prompt';
import type { PatchProducer, PatchRequest, ProducerContext, ProducerResult } from '../core/types';
import { tokenFromSignal } from './cancellation';
import type { LanguageModelChat, VSCode } from './vscodeTypes';

/** Deterministic sampling, as the product promises for every model call. */
export const LM_MODEL_OPTIONS = { temperature: 0, top_p: 0 } as const;

/**
 * Patches from a model reached through VS Code's Language Model API. The model is the one named by the
 * lmModel setting (id or family), else the one the person picks once per session.
 */
export class LmProducer implements PatchProducer {
  readonly id = 'vscode-lm';
  private chosen: LanguageModelChat | undefined;

  constructor(
    private readonly vscode: VSCode,
    private readonly modelSetting: string,
  ) {}

  get label(): string {
    return `vscode-lm: ${this.chosen?.name ?? (this.modelSetting || 'model chosen on first use')}`;
  }

  async propose(request: PatchRequest, ctx: ProducerContext): Promise<ProducerResult> {
    const model = await this.model();
    if (!model) {
      // No model is a set-up problem, not a failed attempt (PRODUCT.md 25): the loop stops at once.
      throw new SmokesError(
        'producer-unavailable',
        this.modelSetting ? `No language model in VS Code matches "${this.modelSetting}".` : 'No language model is available in VS Code, or none was chosen.',
        'Install and sign in to an extension that provides a chat model, change smokesFixer.lmModel, or pick another producer.',
      );
    }
    const { system, user } = buildPrompt(request);
    const { LanguageModelChatMessage } = this.vscode;
    // The API has no system role: the answer contract goes first, as its own user message.
    const messages = [LanguageModelChatMessage.User(system), LanguageModelChatMessage.User(user)];
    const cancel = tokenFromSignal(this.vscode, ctx.signal);
    try {
      ctx.log.info(`producer: asking ${model.vendor}/${model.id} (temperature 0, top_p 0)`);
      const response = await model.sendRequest(
        messages,
        { justification: 'Smokes Fixer asks the model for a unified diff that repairs a failing smoke test.', modelOptions: { ...LM_MODEL_OPTIONS } },
        cancel.token,
      );
      let text = '';
      for await (const chunk of response.text) {
        text += chunk;
        ctx.onOutput?.(chunk);
      }
      return { kind: 'answer', text };
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof this.vscode.LanguageModelError && (error.code === 'NoPermissions' || error.code === 'NotFound')) {
        return { kind: 'exhausted', reason: `the language model cannot be used: ${message}` };
      }
      return { kind: 'none', reason: `the language model failed: ${message}` };
    } finally {
      cancel.dispose();
    }
  }

  private async model(): Promise<LanguageModelChat | undefined> {
    if (this.chosen) return this.chosen;
    const lm = this.vscode.lm;
    if (this.modelSetting) {
      const byId = await lm.selectChatModels({ id: this.modelSetting });
      const found = byId[0] ?? (await lm.selectChatModels({ family: this.modelSetting }))[0];
      this.chosen = found;
      return found;
    }
    const all = await lm.selectChatModels();
    if (all.length <= 1) return (this.chosen = all[0]);
    const pick = await this.vscode.window.showQuickPick(
      all.map((m) => ({ label: m.name, description: `${m.vendor} · ${m.family}`, detail: m.id, model: m })),
      { title: 'Smokes Fixer: Which language model should propose patches?', ignoreFocusOut: true },
    );
    return (this.chosen = pick?.model);
  }
}
