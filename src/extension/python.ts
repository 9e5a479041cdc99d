import type { Logger } from '../core/types';
import type { VSCode, WorkspaceFolder } from './vscodeTypes';

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: unknown): { path: string } | undefined;
  };
}

/**
 * The interpreter pytest runs with: the Python extension's active environment when it is installed,
 * else the pythonPath setting, else undefined (the engine then tries python3, then python).
 */
export async function interpreterFor(vscode: VSCode, folder: WorkspaceFolder, pythonPath: string, log: Logger): Promise<string | undefined> {
  if (pythonPath.trim()) return pythonPath.trim();
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (ext) {
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const active = api?.environments?.getActiveEnvironmentPath(folder.uri);
      if (active?.path) {
        log.debug(`Interpreter from the Python extension: ${active.path}`);
        return active.path;
      }
    } catch (error) {
      log.warn(`The Python extension did not name an interpreter: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return undefined;
}

/** The child processes' environment: the editor's, minus an inherited ND_SMOKE (only the setting turns it on). */
export function childEnv(base: NodeJS.ProcessEnv, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  delete env.ND_SMOKE;
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}
