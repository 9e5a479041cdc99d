import type { Settings, McpServerConfig } from '../settings';
import type { InvestigationContext, Investigator, Logger } from '../types';
import { LIMITS } from '../types';
import { codeContextAround } from '../request';
import { throwIfAborted, type ProcessTracker } from '../processes';
import { describeError } from '../errors';
import { askMcpServer, serverLabel, type Helper } from './mcpClient';
import {
  buildPrivatePayload,
  buildPublicPayload,
  formatPayloadForTool,
  topUserFrame,
  type PrivatePayload,
  type PublicPayload,
} from './payloads';
import { discoverUserModules, packagesInTraceback, userCodeLines } from './workspaceFacts';
import { environmentSecrets } from '../secrets';
import { OncePerSignature, type InvestigationAnswers } from './once';

export * from './payloads';
export { askMcpServer, pickTool, toolArguments, serverLabel, type Helper, type McpCallResult, type ToolShape } from './mcpClient';
export { discoverUserModules, packagesInTraceback, userCodeLines, type VersionFacts } from './workspaceFacts';

export type { InvestigationAnswers } from './once';
export { OncePerSignature } from './once';

export interface InvestigationPayloads {
  private: PrivatePayload;
  public: PublicPayload;
}

/** What a confirm prompt and the run log show: the payload, the exact text sent, and the call made. */
export interface ShownPayload {
  payload: PrivatePayload | PublicPayload;
  text: string;
  tool?: string;
  arguments?: Record<string, unknown>;
}

/**
 * Both payloads of one failure, built from what the loop knows. The private one's code comes from the top
 * frame in the user's code (the loop's crash location may be in a library); the public one is checked
 * against the code of every workspace file the traceback passes through.
 */
export async function buildInvestigationPayloads(
  ctx: Pick<InvestigationContext, 'failure' | 'workspace' | 'errorText' | 'codeContext' | 'pythonVersion' | 'signal' | 'log'>,
  o: { python: string; tracker?: ProcessTracker; probeVersions?: boolean },
): Promise<InvestigationPayloads> {
  const traceback = [ctx.failure.longrepr ?? '', ctx.errorText].filter(Boolean).join('\n');
  const frame = topUserFrame(traceback, ctx.workspace);
  const code = frame ? ((await codeContextAround(ctx.workspace, frame, LIMITS.contextLines)) ?? ctx.codeContext) : ctx.codeContext;
  const privatePayload = buildPrivatePayload({
    errorText: ctx.errorText,
    failure: ctx.failure,
    codeContext: code,
    focusLine: frame && code && code.file === frame.file ? frame.line : undefined,
  });

  const [userModules, codeLines, versions] = await Promise.all([
    discoverUserModules(ctx.workspace),
    userCodeLines(traceback, ctx.workspace),
    o.probeVersions === false
      ? Promise.resolve({ python: ctx.pythonVersion, packages: {} })
      : packagesInTraceback({ traceback, workspace: ctx.workspace, python: o.python, signal: ctx.signal, tracker: o.tracker, log: ctx.log }),
  ]);
  const publicPayload = buildPublicPayload({
    errorText: ctx.errorText,
    traceback,
    workspace: ctx.workspace,
    userModules,
    versions: { python: ctx.pythonVersion ?? versions.python, packages: versions.packages },
    codeLines: [...codeLines, ...(code ? code.text.split('\n') : [])],
    secrets: environmentSecrets(process.env).map((s) => s.value),
  });
  return { private: privatePayload, public: publicPayload };
}

export interface McpInvestigatorOptions {
  settings: Settings['investigation'];
  workspace: string;
  python: string;
  log: Logger;
  /** Asked after the payload is shown and before it is sent; false keeps it here. */
  confirm?: (payload: { helper: Helper; server: string; payload: unknown }) => Promise<boolean>;
  /** The loop's tracker, so a time-out or cancel ends the servers too. */
  tracker?: ProcessTracker;
}

/**
 * Loop step 7 over MCP: the private helper (context7) gets the error and at most 40 lines of the user's
 * code; the public helper (perplexity-ask) gets only the scrubbed error, public symbol names and versions.
 * Every payload is emitted as an `investigation` event; with `confirmPayloads` it is emitted before it is
 * sent and sent only when `confirm` agrees. Failures and time-outs become null answers; a second call for
 * the same signature returns the first call's answers without asking again.
 */
export class McpInvestigator implements Investigator {
  private readonly once = new OncePerSignature();

  constructor(private readonly o: McpInvestigatorOptions) {}

  /** Whether a call would ask anyone at all. */
  get active(): boolean {
    return this.o.settings.enabled && (this.o.settings.privateServer !== null || this.o.settings.publicServer !== null);
  }

  investigate(ctx: InvestigationContext): Promise<InvestigationAnswers> {
    return this.once.answer(ctx, () => this.run(ctx));
  }

  private async run(ctx: InvestigationContext): Promise<InvestigationAnswers> {
    const answers: InvestigationAnswers = { private: null, public: null };
    if (!this.active) return answers;
    let payloads: InvestigationPayloads;
    try {
      payloads = await buildInvestigationPayloads(ctx, { python: this.o.python, tracker: this.o.tracker });
    } catch (error) {
      throwIfAborted(ctx.signal);
      ctx.log.warn(`Assisted investigation: could not prepare the payloads: ${describeError(error)}`);
      return answers;
    }
    // One after the other: a confirm prompt and the event order stay readable.
    const servers: Array<[Helper, McpServerConfig | null]> = [
      ['private', this.o.settings.privateServer],
      ['public', this.o.settings.publicServer],
    ];
    for (const [helper, server] of servers) {
      if (!server) continue;
      throwIfAborted(ctx.signal);
      answers[helper] = await this.ask(ctx, helper, server, payloads[helper]);
    }
    throwIfAborted(ctx.signal);
    return answers;
  }

  private async ask(ctx: InvestigationContext, helper: Helper, server: McpServerConfig, payload: PrivatePayload | PublicPayload): Promise<string | null> {
    const label = serverLabel(server);
    const text = formatPayloadForTool(payload);
    const shown: ShownPayload = { payload, text };
    let emitted = false;
    const result = await askMcpServer({
      server,
      helper,
      text,
      timeoutMs: this.o.settings.timeoutSeconds * 1000,
      signal: ctx.signal,
      log: ctx.log,
      tracker: this.o.tracker,
      cwd: this.o.workspace,
      beforeSend: async (call) => {
        shown.tool = call.tool;
        shown.arguments = call.arguments;
        if (!this.o.settings.confirmPayloads) return true;
        // Shown first, then asked: the user sees exactly what would leave.
        ctx.emit({ type: 'investigation', helper, server: label, payload: shown, answer: null, error: null });
        emitted = true;
        if (!this.o.confirm) return false;
        return this.o.confirm({ helper, server: label, payload: shown });
      },
    });
    if (!emitted || result.answer !== null || result.error !== null) {
      ctx.emit({ type: 'investigation', helper, server: label, payload: shown, answer: result.answer, error: result.error });
    }
    if (result.answer) ctx.log.info(`Assisted investigation (${helper}) via ${label}: answered (${result.answer.length} characters).`);
    return result.answer;
  }
}
