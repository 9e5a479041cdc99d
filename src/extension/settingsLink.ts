import { SETTINGS_SECTION } from './configSchema';
import type { VSCode, WorkspaceFolder } from './vscodeTypes';

/** `smokesFixer.<key>` from a short key, a full key, or a SettingsError field. */
export function fullSettingKey(key: string): string {
  return key.startsWith(`${SETTINGS_SECTION}.`) ? key : `${SETTINGS_SECTION}.${key}`;
}

/** Where a setting's value is set: the scope that wins for `folder`. */
export type SettingScope = 'folder' | 'workspace' | 'user' | 'default';

export function settingScope(vscode: VSCode, key: string, folder?: WorkspaceFolder): SettingScope {
  const short = fullSettingKey(key).slice(SETTINGS_SECTION.length + 1).split('.')[0];
  const i = vscode.workspace.getConfiguration(SETTINGS_SECTION, folder?.uri).inspect(short);
  // In a single-folder window the folder's settings are the workspace's.
  if (i?.workspaceFolderValue !== undefined) return vscode.workspace.workspaceFile ? 'folder' : 'workspace';
  if (i?.workspaceValue !== undefined) return 'workspace';
  if (i?.globalValue !== undefined) return 'user';
  return 'default';
}

/**
 * Opens the Settings editor where the value of `key` is set (a value the workspace sets cannot be fixed
 * in the User tab), filtered to that key; a key set nowhere opens where a person would set it for this
 * folder, the workspace.
 */
export async function openSettingWhereSet(vscode: VSCode, key: string, folder?: WorkspaceFolder): Promise<SettingScope> {
  const query = fullSettingKey(key);
  const scope = settingScope(vscode, key, folder);
  switch (scope) {
    case 'folder':
      await vscode.commands.executeCommand('workbench.action.openFolderSettings', { query });
      break;
    case 'user':
      await vscode.commands.executeCommand('workbench.action.openGlobalSettings', { query });
      break;
    default:
      if (vscode.workspace.workspaceFolders?.length) await vscode.commands.executeCommand('workbench.action.openWorkspaceSettings', { query });
      else await vscode.commands.executeCommand('workbench.action.openGlobalSettings', { query });
  }
  return scope;
}
