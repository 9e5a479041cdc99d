// Helpers shared by the suites that run inside VS Code (not a suite itself: no `.test.ts`).
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import * as vscode from 'vscode';

/** git in a test's workspace copy, with an identity of its own. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=tests@example.invalid', '-c', 'user.name=tests', ...args], { cwd, encoding: 'utf8' }).trim();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Writes `smokesFixer.*` settings to the workspace, as a user would in settings.json. */
export async function configureFolder(folder: vscode.WorkspaceFolder, values: Record<string, unknown>): Promise<void> {
  const config = vscode.workspace.getConfiguration('smokesFixer', folder.uri);
  for (const [key, value] of Object.entries(values)) {
    await config.update(key, value, vscode.ConfigurationTarget.Workspace);
  }
}
