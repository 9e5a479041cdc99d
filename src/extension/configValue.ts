import { parseSettings, settingsSchema, type Settings } from '../core/settings';
import { SETTINGS_SECTION } from './configSchema';
import type { VSCode, WorkspaceFolder } from './vscodeTypes';

export const SETTING_KEYS = Object.keys(settingsSchema.shape) as Array<keyof Settings>;

/** Settings a person got wrong, each line naming the field ("Settings: maxLoops: …"). */
export class SettingsError extends Error {
  constructor(
    readonly errors: string[],
    readonly fields: string[],
  ) {
    super(errors.join('\n'));
    this.name = 'SettingsError';
  }
}

/**
 * Only the values a person set (user, workspace, folder): defaults come from the zod schema, so the
 * contributed defaults in package.json can never override the engine's.
 */
export function explicitValues(
  inspect: (key: string) => { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const i = inspect(key);
    const value = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/** Validates with the one schema; throws a SettingsError whose lines name each bad field. */
export function settingsFrom(values: Record<string, unknown>): Settings {
  const parsed = parseSettings(values, 'Settings');
  if (parsed.ok) return parsed.settings;
  const fields = parsed.errors.map((line) => `${SETTINGS_SECTION}.${line.split(': ')[1] ?? ''}`.replace(/\.$/, ''));
  throw new SettingsError(parsed.errors.map((l) => l.replace(/^Settings: /, `${SETTINGS_SECTION}.`)), fields);
}

export function readSettings(vscode: VSCode, folder: WorkspaceFolder | undefined): Settings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, folder?.uri);
  return settingsFrom(explicitValues((key) => config.inspect(key)));
}

/** Fires when any Smokes Fixer setting changes. */
export function onSettingsChanged(vscode: VSCode, listener: () => void) {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SETTINGS_SECTION)) listener();
  });
}
