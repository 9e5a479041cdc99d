import type { PatchProducer, PatchRequest, ProducerContext, ProducerResult } from '../core/types';

export interface OpenAIProducerOptions {
  /** Up to and including the API version, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
  apiKey: string | null;
  timeoutMs: number;
  /** Name of the environment variable the key came from, for hints. */
  apiKeyEnv?: string;
}

/**
 * A model behind an OpenAI-compatible chat-completions endpoint (hosted, or local such as Ollama,
 * llama.cpp or vLLM). Deterministic sampling as the spec requires. Endpoint trouble never throws:
 * the attempt is spent with a readable reason; only cancellation propagates.
 */
export class OpenAIProducer implements PatchProducer {
  readonly id = 'openai';
  readonly label: string;
  private readonly url: string;

  constructor(private readonly options: OpenAIProducerOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.label = `openai: ${options.model} at ${options.baseUrl}`;
  }

  async propose(request: PatchRequest, ctx: ProducerContext): Promise<ProducerResult> {
    // The HTTP exchange is bundled apart (dist/openai-producer.js) and loaded on the first request.
    const { proposeOverChat } = await import('./openaiChat');
    return proposeOverChat(this.options, this.url, request, ctx);
  }
}
