import { describe, expect, it } from 'vitest';
import type { PatchRequest, ProducerContext } from '../../../src/core/types';
import { silentLogger } from '../../../src/core/types';
import { ProcessTracker } from '../../../src/core/processes';
import { LmProducer } from '../../../src/extension/lmProducer';
import { buildPrompt } from '../../../src/producers/prompt';
import type { VSCode } from '../../../src/extension/vscodeTypes';

/** A small working stand-in for the parts of `vscode` the producer uses; it records what it was asked. */
function fakeVscode(models: Array<{ id: string; family: string; answer: string | Error }>) {
  const sent: Array<{ model: string; messages: Array<{ role: string; text: string }>; options: Record<string, unknown> }> = [];
  const selectors: unknown[] = [];
  class LanguageModelError extends Error {
    constructor(message: string, readonly code: string) {
      super(message);
    }
  }
  const vscode = {
    LanguageModelError,
    LanguageModelChatMessage: { User: (text: string) => ({ role: 'user', text }) },
    CancellationTokenSource: class {
      token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
      cancel() {
        this.token.isCancellationRequested = true;
      }
      dispose() {}
    },
    window: { showQuickPick: async (items: Array<{ model: unknown }>) => items[1] },
    lm: {
      selectChatModels: async (selector?: { id?: string; family?: string }) => {
        selectors.push(selector ?? null);
        return models
          .filter((m) => !selector || (selector.id ? m.id === selector.id : m.family === selector.family))
          .map((m) => ({
            id: m.id,
            family: m.family,
            name: m.id,
            vendor: 'test',
            sendRequest: async (messages: Array<{ role: string; text: string }>, options: { modelOptions: Record<string, unknown> }) => {
              sent.push({ model: m.id, messages, options: options.modelOptions });
              if (m.answer instanceof Error) throw m.answer;
              const chunks = m.answer.match(/[\s\S]{1,7}/g) ?? [];
              return { text: (async function* () { yield* chunks; })() };
            },
          }));
      },
    },
  };
  return { vscode: vscode as unknown as VSCode, sent, selectors, LanguageModelError };
}

const request: PatchRequest = {
  schema: 'smokes-fixer/patch-request@1',
  workspace: '/ws',
  attempt: 1,
  target: { nodeid: 't::a', exceptionType: 'AssertionError', location: { file: 'calc.py', line: 5 }, message: 'assert -1 == 5', signature: 'sig' },
  pytest: { command: 'pytest -q', exitCode: 1, output: 'FAILED t::a' },
  codeContext: null,
  relatedSources: [],
  limits: { maxFiles: 5, maxChangedLines: 200 },
  allowTestEdits: false,
  previousAttempts: [],
  investigation: null,
  instructions: 'Fix it.',
};
const ctx = (): ProducerContext => ({ signal: new AbortController().signal, log: silentLogger, tracker: new ProcessTracker() });
const DIFF = '--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-a\n+b\n';

describe('LmProducer', () => {
  it('sends the shared prompt with temperature 0 and top_p 0 and returns the streamed answer', async () => {
    const f = fakeVscode([{ id: 'm1', family: 'fam', answer: DIFF }]);
    const result = await new LmProducer(f.vscode, 'm1').propose(request, ctx());
    expect(result).toEqual({ kind: 'answer', text: DIFF });
    const { system, user } = buildPrompt(request);
    expect(f.sent).toEqual([{ model: 'm1', messages: [{ role: 'user', text: system }, { role: 'user', text: user }], options: { temperature: 0, top_p: 0 } }]);
  });

  it('finds the model by family when no id matches, and asks when the setting is empty', async () => {
    const f = fakeVscode([{ id: 'a', family: 'fa', answer: 'x' }, { id: 'b', family: 'fb', answer: DIFF }]);
    await new LmProducer(f.vscode, 'fb').propose(request, ctx());
    expect(f.sent[0].model).toBe('b');
    const asked = fakeVscode([{ id: 'a', family: 'fa', answer: 'x' }, { id: 'b', family: 'fb', answer: DIFF }]);
    const producer = new LmProducer(asked.vscode, '');
    await producer.propose(request, ctx());
    await producer.propose(request, ctx());
    expect(asked.sent.map((s) => s.model)).toEqual(['b', 'b']);
    expect(asked.selectors).toEqual([null]);
  });

  it('cannot start without a model (a set-up error, no attempt spent), and spends the attempt when the model fails', async () => {
    const none = fakeVscode([]);
    await expect(new LmProducer(none.vscode, 'missing').propose(request, ctx())).rejects.toMatchObject({ code: 'producer-unavailable', message: expect.stringContaining('"missing"') });
    const f = fakeVscode([{ id: 'm', family: 'f', answer: new Error('rate limited') }]);
    expect(await new LmProducer(f.vscode, 'm').propose(request, ctx())).toEqual({ kind: 'none', reason: 'the language model failed: rate limited' });
  });
});
