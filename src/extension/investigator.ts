import { describeError } from '../core/errors';
import { throwIfAborted, untilAborted } from '../core/abort';
import type { InvestigationPayload, ShownPayload } from '../core/investigation';
import { pickTool, serverLabel, toolArguments, type Helper, type ToolShape } from '../core/investigation/mcpClient';
import { OncePerSignature, type InvestigationAnswers } from '../core/investigation/once';
import { formatPayloadForTool } from '../core/investigation/payloads';
import type { ProcessTracker } from '../core/processes';
import type { McpServerConfig, Settings } from '../core/settings';
import type { InvestigationContext, Investigator, Logger } from '../core/types';
import { tokenFromSignal } from './cancellation';
import { realEngine, type Engine } from './engine';
import type { VSCode } from './vscodeTypes';

/**
 * Tools in `vscode.lm.tools` that are the helpers, by name: context7's tools for the private helper,
 * perplexity's for the public one. Only these: any other tool that takes text must never get the payload.
 */
const HELPER_TOOL_NAMES: Record<Helper, RegExp> = {
  private: /context7|(?:^|_)(?:get-library-docs|resolve-library-id|query-docs)$/i,
  public: /perplexity/i,
};

/** The VS Code tool that plays `helper`: the configured tool name first, else a context7- or perplexity-like name. */
export function findHelperTool<T extends ToolShape>(tools: readonly T[], helper: Helper, configured?: string): T | null {
  if (configured) {
    const named = pickTool([...tools], { helper, configured });
    if (named) return named;
  }
  const candidates = tools.filter((t) => HELPER_TOOL_NAMES[helper].test(t.name));
  return candidates.length > 0 ? pickTool(candidates, { helper }) : null;
}

/** Where one helper's question goes: a tool already in VS Code, or a configured MCP server. */
type Route = { kind: 'tool'; tool: ToolShape; label: string } | { kind: 'server'; server: McpServerConfig; label: string };

export const DECLINED = 'Not sent: the payload was declined.';

export interface VscodeInvestigatorOptions {
  settings: Settings['investigation'];
  workspace: string;
  python: string;
  log: Logger;
  tracker?: ProcessTracker;
  /** Opens text as a read-only document ("Show Payload"). */
  showDocument?: (path: string, content: string) => Promise<unknown>;
  /** The configured-server path: the engine's MCP client unless another is handed in. */
  askServer?: Engine['askMcpServer'];
  /** Payload builder: the engine's unless another is handed in. */
  buildPayloads?: Engine['buildInvestigationPayloads'];
}

/**
 * Loop step 7 in VS Code. Each helper is asked through the person's own MCP tools when VS Code already
 * lists one (`vscode.lm.tools`, found by name), else through the configured server with the engine's MCP
 * client. Payloads come from the engine's builders (same privacy rules); each is emitted before it is sent
 * and again with its result; with `confirmPayloads` nothing leaves without the person's "Send". Once per
 * signature per run: a second call returns the first call's answers.
 */
export class VscodeInvestigator implements Investigator {
  private readonly once = new OncePerSignature();
  private readonly askServer: Engine['askMcpServer'];
  private readonly buildPayloads: Engine['buildInvestigationPayloads'];

  constructor(
    private readonly vscode: VSCode,
    private readonly o: VscodeInvestigatorOptions,
  ) {
    this.askServer = o.askServer ?? realEngine.askMcpServer;
    this.buildPayloads = o.buildPayloads ?? realEngine.buildInvestigationPayloads;
  }

  investigate(ctx: InvestigationContext): Promise<InvestigationAnswers> {
    return this.once.answer(ctx, () => this.run(ctx));
  }

  /** The route each helper would take now (tools can appear while VS Code runs, so it is looked up per call). */
  routes(): Record<Helper, Route | null> {
    return { private: this.route('private'), public: this.route('public') };
  }

  private route(helper: Helper): Route | null {
    const server = helper === 'private' ? this.o.settings.privateServer : this.o.settings.publicServer;
    const tool = findHelperTool(this.vscode.lm?.tools ?? [], helper, server?.tool);
    if (tool) return { kind: 'tool', tool, label: `VS Code tool ${tool.name}` };
    return server ? { kind: 'server', server, label: serverLabel(server) } : null;
  }

  private async run(ctx: InvestigationContext): Promise<InvestigationAnswers> {
    const answers: InvestigationAnswers = { private: null, public: null };
    if (!this.o.settings.enabled) return answers;
    const routes = this.routes();
    if (!routes.private && !routes.public) {
      ctx.log.info('Assisted investigation: no context7 or perplexity tool in VS Code and no MCP server configured; skipped.');
      return answers;
    }
    let payloads;
    try {
      payloads = await this.buildPayloads(ctx, { python: this.o.python, tracker: this.o.tracker });
    } catch (error) {
      throwIfAborted(ctx.signal);
      ctx.log.warn(`Assisted investigation: could not prepare the payloads: ${describeError(error)}`);
      return answers;
    }
    // One after the other: a confirm prompt and the event order stay readable.
    for (const helper of ['private', 'public'] as const) {
      const route = routes[helper];
      if (!route) continue;
      throwIfAborted(ctx.signal);
      answers[helper] = await this.ask(ctx, helper, route, payloads[helper]);
    }
    throwIfAborted(ctx.signal);
    return answers;
  }

  private async ask(ctx: InvestigationContext, helper: Helper, route: Route, payload: InvestigationPayload): Promise<string | null> {
    const text = formatPayloadForTool(payload);
    const shown: ShownPayload = { payload, text };
    const emit = (answer: string | null, error: string | null) =>
      ctx.emit({ type: 'investigation', helper, server: route.label, payload: { ...shown }, answer, error });
    // Shown first, then (when asked for) confirmed, then sent.
    const beforeSend = async (call: { tool: string; arguments: Record<string, unknown> }): Promise<boolean> => {
      shown.tool = call.tool;
      shown.arguments = call.arguments;
      emit(null, null);
      return this.o.settings.confirmPayloads ? this.confirm(helper, route.label, shown, ctx.signal) : true;
    };
    ctx.log.info(`Assisted investigation (${helper}) via ${route.label}.`);
    let result: { answer: string | null; error: string | null };
    if (route.kind === 'tool') {
      result = await this.invokeTool(ctx, route.tool, text, beforeSend);
    } else {
      result = await this.askServer({
        server: route.server,
        helper,
        text,
        timeoutMs: this.o.settings.timeoutSeconds * 1000,
        signal: ctx.signal,
        log: ctx.log,
        tracker: this.o.tracker,
        cwd: this.o.workspace,
        beforeSend,
      });
    }
    emit(result.answer, result.error);
    if (result.answer) ctx.log.info(`Assisted investigation (${helper}) via ${route.label}: answered (${result.answer.length} characters).`);
    else if (route.kind === 'tool' && result.error) ctx.log.warn(`Assisted investigation (${helper}) via ${route.label}: ${result.error}`);
    return result.answer;
  }

  /** One call of a VS Code language-model tool; never throws (a failure, a timeout or a refusal is `error`). */
  private async invokeTool(
    ctx: InvestigationContext,
    tool: ToolShape,
    text: string,
    beforeSend: (call: { tool: string; arguments: Record<string, unknown> }) => Promise<boolean>,
  ): Promise<{ answer: string | null; error: string | null }> {
    const input = toolArguments(tool, text);
    try {
      if (!(await untilAborted(beforeSend({ tool: tool.name, arguments: input }), ctx.signal))) return { answer: null, error: DECLINED };
    } catch {
      return { answer: null, error: 'Cancelled.' };
    }
    const timeoutMs = this.o.settings.timeoutSeconds * 1000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    const cancel = tokenFromSignal(this.vscode, signal);
    try {
      const result = await untilAborted(
        Promise.resolve(this.vscode.lm.invokeTool(tool.name, { input, toolInvocationToken: undefined }, cancel.token)),
        signal,
      );
      const answer = this.textOf(result?.content);
      return answer.trim() ? { answer, error: null } : { answer: null, error: 'The tool answered with no text.' };
    } catch (error) {
      const message = timeout.aborted ? `No answer within ${Math.round(timeoutMs / 1000)}s.` : ctx.signal.aborted ? 'Cancelled.' : describeError(error);
      return { answer: null, error: message };
    } finally {
      cancel.dispose();
    }
  }

  /** The text parts of a tool result (other parts, such as prompt-tsx, carry nothing to read). */
  private textOf(content: readonly unknown[] | undefined): string {
    const { LanguageModelTextPart: TextPart, LanguageModelPromptTsxPart: TsxPart } = this.vscode;
    return (content ?? [])
      .map((part) => {
        if (TextPart && part instanceof TextPart) return part.value;
        if (TsxPart && part instanceof TsxPart) return '';
        const value = (part as { value?: unknown } | null)?.value;
        return typeof value === 'string' ? value : '';
      })
      .filter(Boolean)
      .join('\n\n');
  }

  /** A modal that shows the exact text; "Show Payload" opens the whole call as a read-only JSON document. */
  private async confirm(helper: Helper, label: string, shown: ShownPayload, signal: AbortSignal): Promise<boolean> {
    const { window } = this.vscode;
    const send = { title: 'Send' };
    const show = { title: 'Show Payload' };
    const keep = { title: "Don't Send", isCloseAffordance: true };
    const question = `Smokes Fixer: send this ${helper} investigation payload to ${label}?`;
    const choice = await untilAborted(
      Promise.resolve(window.showWarningMessage(question, { modal: true, detail: shown.text }, send, show, keep)),
      signal,
    );
    if (choice !== show) return choice === send;
    if (this.o.showDocument) {
      await this.o.showDocument(`/investigation/payload-${helper}.json`, `${JSON.stringify({ helper, server: label, ...shown }, null, 2)}\n`);
    }
    // Not modal this time, so the document stays readable while the person decides.
    const again = await untilAborted(Promise.resolve(window.showInformationMessage(question, send, keep)), signal);
    return again === send;
  }
}
