import { z } from 'zod';
import { LIMITS } from './types';

/**
 * The one settings schema. It feeds the extension's `contributes.configuration` (scripts/gen-config.mjs
 * checks they agree), the CLI's flags and `.smokes-fixer.json`. Keys are the extension's setting names
 * without the `smokesFixer.` prefix.
 */
export const mcpServerSchema = z
  .object({
    command: z.string().min(1, 'command must name the program that starts the MCP server'),
    args: z.array(z.string()).default([]),
    env: z.record(z.string()).default({}),
    /** Tool to call; found by name among the server's tools. */
    tool: z.string().min(1).optional(),
  })
  .strict();
export type McpServerConfig = z.infer<typeof mcpServerSchema>;

export const settingsSchema = z
  .object({
    pythonPath: z.string().default('').describe('Python interpreter that runs pytest. Empty: the Python extension\'s active environment, else `python3`, else `python`.'),
    select: z.array(z.string().min(1)).default([]).describe('Node ids to run instead of `tests/smoke -k smoke`.'),
    markExpr: z.string().default('').describe('A `-m` marker expression that replaces `tests/smoke -k smoke` (with `select`, both apply).'),
    maxLoops: z.number().int().min(1).max(LIMITS.maxLoops).default(LIMITS.maxLoops).describe('Loop limit (the spec allows at most 10).'),
    retries: z.number().int().min(1).max(LIMITS.maxAttemptsPerSignature).default(LIMITS.maxAttemptsPerSignature).describe('Attempts per failure signature (the spec allows at most 3).'),
    timeBudgetSeconds: z.number().int().min(10).max(LIMITS.timeBudgetSeconds).default(LIMITS.timeBudgetSeconds).describe('Wall-clock budget of the whole loop, producers included (the spec allows at most 600).'),
    metaUrl: z.string().url('metaUrl must be a URL such as http://127.0.0.1:8790/__meta').default('http://127.0.0.1:8790/__meta').describe('The exec-rpc service\'s `/__meta` endpoint; its port is also the one `ss` looks for.'),
    freshnessTimeoutMs: z.number().int().min(100).max(30_000).default(1500).describe('How long GET /__meta may take before the service counts as down.'),
    ndSmoke: z.boolean().default(false).describe('Live ndsmoke: run tests with ND_SMOKE=1 and deterministic sampling (temperature 0, top_p 0).'),
    allowTestEdits: z.boolean().default(false).describe('Let patches edit the smoke tests and conftest.py files and add skip/xfail markers. Skips never count as fixes.'),
    autoApply: z.boolean().default(false).describe('Apply patches without the diff preview (VS Code). Headless runs always apply.'),
    hardReset: z.boolean().default(false).describe('On regression, use the spec\'s literal `git reset --hard && git clean -fd` — only when the tree was clean when the loop started.'),
    producer: z.enum(['command', 'openai', 'manual', 'vscode-lm']).default('manual').describe('Where patches come from.'),
    producerCommand: z.string().default('').describe('Command producer: a shell command that reads a JSON request on stdin and writes a unified diff on stdout.'),
    producerTimeoutSeconds: z.number().int().min(1).max(LIMITS.timeBudgetSeconds).default(180).describe('How long one producer call may take.'),
    openaiBaseUrl: z.string().url('openaiBaseUrl must be a URL such as http://127.0.0.1:11434/v1').default('https://api.openai.com/v1').describe('OpenAI-compatible endpoint (chat completions).'),
    openaiModel: z.string().default('gpt-4o-mini').describe('Model name for the OpenAI-compatible endpoint.'),
    openaiApiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'openaiApiKeyEnv must be an environment variable name').default('OPENAI_API_KEY').describe('Environment variable holding the API key (never stored in settings).'),
    lmModel: z.string().default('').describe('VS Code Language Model: the model family or id to use; empty asks.'),
    investigation: z
      .object({
        enabled: z.boolean().default(false),
        confirmPayloads: z.boolean().default(false),
        timeoutSeconds: z.number().int().min(1).max(300).default(60),
        privateServer: mcpServerSchema.nullable().default(null),
        publicServer: mcpServerSchema.nullable().default(null),
      })
      .strict()
      .default({})
      .describe('Assisted investigation (loop step 7) over MCP: context7 (private) and perplexity-ask (public).'),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

export const defaultSettings: Settings = settingsSchema.parse({});

/** Validates settings and turns zod's issues into one readable line per bad field. */
export function parseSettings(input: unknown, source: string): { ok: true; settings: Settings } | { ok: false; errors: string[] } {
  const result = settingsSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, settings: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => {
      const field = issue.path.join('.') || '(root)';
      const message = issue.code === 'unrecognized_keys' ? `unknown setting(s) ${issue.keys.join(', ')}` : issue.message;
      return `${source}: ${field}: ${message}`;
    }),
  };
}
