// The OpenAI producer's request and the reading of its answer. Kept out of the main bundles; see openai.ts.
import { throwIfAborted } from '../core/abort';
import type { PatchRequest, ProducerContext, ProducerResult } from '../core/types';
import type { OpenAIProducerOptions } from './openai';
import { buildPrompt } from './prompt';

/** Longest error body quoted back to the user. */
const MAX_QUOTED_BODY = 300;

export async function proposeOverChat(options: OpenAIProducerOptions, url: string, request: PatchRequest, ctx: ProducerContext): Promise<ProducerResult> {
  throwIfAborted(ctx.signal);
  const { system, user } = buildPrompt(request);
  const body = {
    model: options.model,
    temperature: 0,
    top_p: 0,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout.signal]);
  ctx.log.info(`producer: POST ${url} (model ${options.model}, ${user.length} characters of request)`);

  let status: number;
  let text: string;
  try {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    status = response.status;
    text = await response.text();
  } catch (error) {
    if (ctx.signal.aborted) throwIfAborted(ctx.signal);
    if (timeout.signal.aborted) return none(`the request to ${url} timed out after ${seconds(options.timeoutMs)}`);
    return none(`could not reach ${url}: ${networkMessage(error)}. Check that the server is running and openaiBaseUrl is right.`);
  } finally {
    clearTimeout(timer);
  }

  if (status < 200 || status >= 300) return none(httpReason(options, status, text));

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return none(`the endpoint answered HTTP ${status} with something that is not JSON: ${quote(text)}`);
  }
  const content = messageContent(parsed);
  if (content === null) return none(`the endpoint's answer has no choices[0].message.content: ${quote(text)}`);
  if (content.trim() === '') return none('the model gave an empty answer');
  return { kind: 'answer', text: content };
}

function httpReason(options: OpenAIProducerOptions, status: number, body: string): string {
  const detail = errorDetail(body);
  const base = `the endpoint answered HTTP ${status}${detail ? ` (${detail})` : ''}`;
  const keyEnv = options.apiKeyEnv ?? 'OPENAI_API_KEY';
  if (status === 401 || status === 403) {
    return options.apiKey
      ? `${base}: the API key was not accepted. Check the key in ${keyEnv}.`
      : `${base}: the endpoint needs an API key. Set ${keyEnv} (or the variable named by openaiApiKeyEnv).`;
  }
  if (status === 404) return `${base}: check openaiBaseUrl (${options.baseUrl}, usually ending in /v1) and openaiModel (${options.model}).`;
  if (status === 429) return `${base}: rate limited or out of quota; wait, or use another model or key.`;
  if (status >= 500) return `${base}: the server failed; try again later or check its logs.`;
  return base;
}

function none(reason: string): ProducerResult {
  return { kind: 'none', reason };
}

/** `choices[0].message.content`, as a string or as an array of text parts. */
function messageContent(parsed: unknown): string | null {
  const choice = (parsed as { choices?: Array<{ message?: { content?: unknown } }> } | null)?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return (content as unknown[])
      .map((part) => (typeof part === 'string' ? part : typeof (part as { text?: unknown } | null)?.text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return null;
}

/** The `error.message` of an OpenAI-style error body, else the start of the body. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message ?? parsed.message;
    if (typeof message === 'string' && message.trim()) return quote(message);
  } catch {
    /* not JSON: quote it as text */
  }
  return body.trim() ? quote(body) : '';
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUOTED_BODY ? `${flat.slice(0, MAX_QUOTED_BODY)}…` : flat;
}

/** Node's fetch hides the socket error in `cause` (ECONNREFUSED, ENOTFOUND). */
function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
}
