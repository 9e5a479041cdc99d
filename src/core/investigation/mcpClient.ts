import { readFileSync, readdirSync } from 'node:fs';
import type { McpServerConfig } from '../settings';
import { untilAborted } from '../abort';
import type { ProcessTracker } from '../processes';
import type { Logger } from '../types';
import { describeError } from '../errors';

export type Helper = 'private' | 'public';

/** Tool names of the known servers, most useful first: context7 (private recall), perplexity-ask (public). */
const PREFERRED_TOOLS: Record<Helper, string[]> = {
  private: ['get-library-docs', 'query-docs', 'resolve-library-id', 'search', 'ask', 'query'],
  public: ['perplexity_ask', 'ask', 'perplexity_research', 'perplexity_reason', 'search', 'query'],
};
/** Argument names that take free text, in the order they are preferred. */
const TEXT_PROPERTIES = ['query', 'question', 'prompt', 'topic', 'text', 'content', 'message', 'input', 'q', 'search', 'libraryName'];

/**
 * A tool as both an MCP server (`tools/list`) and VS Code's `vscode.lm.tools` describe it: a name and a
 * JSON schema of its input.
 */
export interface ToolShape {
  name: string;
  inputSchema?: { properties?: { [key: string]: unknown }; required?: string[] } | object;
}

interface JsonSchemaProperty {
  type?: string | string[];
  items?: { type?: string; properties?: Record<string, JsonSchemaProperty> };
}

function propertiesOf(tool: ToolShape): Record<string, JsonSchemaProperty> {
  return ((tool.inputSchema as { properties?: unknown } | undefined)?.properties ?? {}) as Record<string, JsonSchemaProperty>;
}

function requiredOf(tool: ToolShape): string[] {
  const required = (tool.inputSchema as { required?: unknown } | undefined)?.required;
  return Array.isArray(required) ? required.filter((r): r is string => typeof r === 'string') : [];
}

/** `perplexity_ask`, or the same tool as an editor lists it with a server prefix (`mcp_perplexity_perplexity_ask`). */
function named(tool: ToolShape, name: string): boolean {
  // Only distinctive names match as a suffix: `ask` must not pick `perplexity_ask` for the private helper.
  return tool.name === name || (/[-_]/.test(name) && tool.name.endsWith(`_${name}`));
}

function isType(p: JsonSchemaProperty | undefined, type: string): boolean {
  return !!p && (p.type === type || (Array.isArray(p.type) && p.type.includes(type)));
}

function takesMessages(tool: ToolShape): boolean {
  return isType(propertiesOf(tool).messages, 'array');
}

function takesText(tool: ToolShape): boolean {
  return takesMessages(tool) || Object.values(propertiesOf(tool)).some((p) => isType(p, 'string'));
}

/**
 * The tool to call: the configured name when set (null if the server lacks it), else the first known name
 * the server offers, else its first tool that takes text.
 */
export function pickTool<T extends ToolShape>(tools: T[], o: { helper: Helper; configured?: string }): T | null {
  if (o.configured) return tools.find((t) => t.name === o.configured) ?? tools.find((t) => named(t, o.configured!)) ?? null;
  for (const name of PREFERRED_TOOLS[o.helper]) {
    const tool = tools.find((t) => named(t, name));
    if (tool && takesText(tool)) return tool;
  }
  return tools.find(takesText) ?? null;
}

/**
 * Arguments carrying `text` as the tool's schema asks: `messages: [{role: 'user', content}]` for chat-shaped
 * tools (perplexity-ask), else its text property (query, topic, ...; the first string property otherwise).
 * Other required string properties get the same text, so the call passes the server's validation.
 */
export function toolArguments(tool: ToolShape, text: string): Record<string, unknown> {
  if (takesMessages(tool)) return { messages: [{ role: 'user', content: text }] };
  const props = propertiesOf(tool);
  const strings = Object.keys(props).filter((k) => isType(props[k], 'string'));
  const main = TEXT_PROPERTIES.find((k) => strings.includes(k)) ?? strings[0];
  const args: Record<string, unknown> = {};
  if (main) args[main] = text;
  for (const key of requiredOf(tool)) {
    if (!(key in args) && strings.includes(key)) args[key] = text;
  }
  return args;
}

/** A readable name for a server that shows no secret: its command and arguments, long tokens cut. */
export function serverLabel(server: McpServerConfig): string {
  const words = [server.command, ...server.args].map((w) =>
    /(key|token|secret|password)=/i.test(w) ? w.replace(/=.*/, '=…') : w.length > 40 && !w.includes('/') ? `${w.slice(0, 6)}…` : w,
  );
  return words.join(' ');
}

export interface McpCallOptions {
  server: McpServerConfig;
  helper: Helper;
  text: string;
  timeoutMs: number;
  signal?: AbortSignal;
  log: Logger;
  tracker?: ProcessTracker;
  cwd?: string;
  /** Called with the exact call before it is sent; false cancels it. */
  beforeSend?: (call: { tool: string; arguments: Record<string, unknown> }) => Promise<boolean>;
}

export interface McpCallResult {
  answer: string | null;
  error: string | null;
  tool: string | null;
  arguments: Record<string, unknown> | null;
}

/**
 * One question to one MCP server over stdio: start it, list its tools, pick one, call it, and end the
 * server whatever happens. Never throws: a failure, a timeout or a refusal comes back as `error`.
 */
export async function askMcpServer(o: McpCallOptions): Promise<McpCallResult> {
  const result: McpCallResult = { answer: null, error: null, tool: null, arguments: null };
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  // Loaded on first use: a separate bundle that activation and runs without investigation never read.
  const { Client, StdioClientTransport, getDefaultEnvironment } = await import('./mcpSdk');
  const transport = new StdioClientTransport({
    command: o.server.command,
    args: o.server.args,
    // A minimal environment (PATH, HOME, ...) plus what the user configured: nothing else of ours leaks.
    env: { ...getDefaultEnvironment(), ...o.server.env },
    cwd: o.cwd,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer | string) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const client = new Client({ name: 'smokes-fixer', version: '1' }, { capabilities: {} });
  let pid: number | null = null;
  const started = Date.now();
  const remaining = () => Math.max(1, o.timeoutMs - (Date.now() - started));
  try {
    await untilAborted(client.connect(transport, { signal, timeout: remaining() }), signal);
    pid = transport.pid;
    o.tracker?.add(pid ?? undefined);
    const { tools } = await untilAborted(client.listTools(undefined, { signal, timeout: remaining() }), signal);
    const tool = pickTool(tools, { helper: o.helper, configured: o.server.tool });
    if (!tool) {
      const names = tools.map((t) => t.name).join(', ') || 'none';
      result.error = o.server.tool
        ? `The server has no tool named "${o.server.tool}" (it offers: ${names}).`
        : `The server offers no tool that takes text (it offers: ${names}).`;
      return result;
    }
    result.tool = tool.name;
    result.arguments = toolArguments(tool, o.text);
    if (o.beforeSend && !(await untilAborted(o.beforeSend({ tool: tool.name, arguments: result.arguments }), signal))) {
      result.error = 'Not sent: the payload was declined.';
      return result;
    }
    const answer = await untilAborted(
      client.callTool({ name: tool.name, arguments: result.arguments }, undefined, { signal, timeout: remaining() }),
      signal,
    );
    const text = contentText(answer.content);
    if (answer.isError) result.error = `The tool reported an error: ${text || 'no details'}`;
    else if (!text.trim()) result.error = 'The tool answered with no text.';
    else result.answer = text;
    return result;
  } catch (error) {
    result.error = timeout.aborted
      ? `No answer within ${Math.round(o.timeoutMs / 1000)}s.`
      : o.signal?.aborted
        ? 'Cancelled.'
        : describeError(error);
    if (stderr.trim()) o.log.debug(`MCP server ${serverLabel(o.server)} stderr: ${stderr.trim().slice(-1000)}`);
    return result;
  } finally {
    pid ??= transport.pid;
    const family = pid ? descendants(pid) : [];
    await client.close().catch(() => transport.close().catch(() => undefined));
    // A server started through a launcher (npx, uvx) leaves its real process behind when only the launcher ends.
    for (const child of family) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    o.tracker?.remove(pid ?? undefined);
    if (result.error) o.log.warn(`Assisted investigation (${o.helper}) via ${serverLabel(o.server)}: ${result.error}`);
  }
}

function contentText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((c: { type?: string; text?: unknown; resource?: { text?: unknown } }) =>
      c?.type === 'text' && typeof c.text === 'string' ? c.text : c?.type === 'resource' && typeof c.resource?.text === 'string' ? c.resource.text : '',
    )
    .filter(Boolean)
    .join('\n\n');
}

/** Every process below `pid` (Linux /proc; elsewhere none are found and close() alone ends the server). */
export function descendants(pid: number): number[] {
  let parents: Map<number, number[]>;
  try {
    parents = new Map();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const list = parents.get(ppid) ?? [];
        list.push(Number(name));
        parents.set(ppid, list);
      } catch {
        /* ended while we looked */
      }
    }
  } catch {
    return [];
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
