import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseSettings, type Settings, type SettingsInput } from '../core/settings';
import { SmokesError } from '../core/errors';

export const CONFIG_FILE = '.smokes-fixer.json';

/** `run`'s flags, each mapped onto a key of the one settings schema. */
export const RUN_FLAGS = {
  cwd: { type: 'string' },
  producer: { type: 'string' },
  'producer-command': { type: 'string' },
  'openai-base-url': { type: 'string' },
  'openai-model': { type: 'string' },
  'openai-api-key-env': { type: 'string' },
  select: { type: 'string', multiple: true },
  m: { type: 'string', short: 'm' },
  'max-loops': { type: 'string' },
  retries: { type: 'string' },
  'time-budget': { type: 'string' },
  'meta-url': { type: 'string' },
  python: { type: 'string' },
  'nd-smoke': { type: 'boolean' },
  'allow-test-edits': { type: 'boolean' },
  'hard-reset': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type FlagValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

const FLAG_TO_SETTING: Record<string, { key: keyof SettingsInput; kind: 'string' | 'int' | 'bool' | 'list' }> = {
  producer: { key: 'producer', kind: 'string' },
  'producer-command': { key: 'producerCommand', kind: 'string' },
  'openai-base-url': { key: 'openaiBaseUrl', kind: 'string' },
  'openai-model': { key: 'openaiModel', kind: 'string' },
  'openai-api-key-env': { key: 'openaiApiKeyEnv', kind: 'string' },
  select: { key: 'select', kind: 'list' },
  m: { key: 'markExpr', kind: 'string' },
  'max-loops': { key: 'maxLoops', kind: 'int' },
  retries: { key: 'retries', kind: 'int' },
  'time-budget': { key: 'timeBudgetSeconds', kind: 'int' },
  'meta-url': { key: 'metaUrl', kind: 'string' },
  python: { key: 'pythonPath', kind: 'string' },
  'nd-smoke': { key: 'ndSmoke', kind: 'bool' },
  'allow-test-edits': { key: 'allowTestEdits', kind: 'bool' },
  'hard-reset': { key: 'hardReset', kind: 'bool' },
};

export class UsageError extends SmokesError {
  constructor(message: string, hint?: string) {
    super('config', message, hint);
  }
}

export function parseCommandLine(argv: string[], options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''), 'Run with --help to see the flags.');
  }
}

/** Flags as a partial settings object. Numbers that are not numbers are left as strings for zod to name. */
export function flagsToSettings(values: FlagValues): Partial<SettingsInput> {
  const out: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(FLAG_TO_SETTING)) {
    const value = values[flag];
    if (value === undefined) continue;
    if (spec.kind === 'int') {
      const text = String(value).trim();
      out[spec.key] = /^-?\d+$/.test(text) ? Number(text) : text;
    } else {
      out[spec.key] = value;
    }
  }
  return out;
}

export async function readConfigFile(workspace: string): Promise<Record<string, unknown>> {
  const path = join(workspace, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('it must hold one JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${CONFIG_FILE} is not valid: ${(error as Error).message}.`, `Fix or remove ${path}.`);
  }
}

/**
 * Settings for a CLI run: defaults, then `.smokes-fixer.json`, then flags (flags win), then
 * `ND_SMOKE=1` in the CLI's own environment (PRODUCT.md 14). Validated by the one schema.
 */
export async function resolveCliSettings(values: FlagValues, env: NodeJS.ProcessEnv): Promise<{ workspace: string; settings: Settings }> {
  const workspace = resolve(typeof values.cwd === 'string' ? values.cwd : process.cwd());
  const file = await readConfigFile(workspace);
  const fileCheck = parseSettings(file, CONFIG_FILE);
  if (!fileCheck.ok) throw new UsageError(fileCheck.errors.join('\n'), `Fix ${join(workspace, CONFIG_FILE)}.`);
  const merged: Record<string, unknown> = { ...file, ...flagsToSettings(values) };
  if (env.ND_SMOKE === '1' && values['nd-smoke'] === undefined) merged.ndSmoke = true;
  const result = parseSettings(merged, 'settings');
  if (!result.ok) {
    throw new UsageError(result.errors.map(renameFieldsToFlags).join('\n'), 'Run `smokes-fixer run --help` for the flags and their ranges.');
  }
  return { workspace, settings: result.settings };
}

/** zod names settings keys; on the command line the user typed flags, so name both. */
function renameFieldsToFlags(line: string): string {
  for (const [flag, spec] of Object.entries(FLAG_TO_SETTING)) {
    const field = `: ${String(spec.key)}: `;
    if (line.includes(field)) return line.replace(field, `: ${String(spec.key)} (${flag.length === 1 ? '-' : '--'}${flag}): `);
  }
  return line;
}
