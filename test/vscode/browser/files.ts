// Files VS Code writes that the browser scenarios read as evidence: the logs under the user-data folder.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir`, recursively (absolute paths). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).map((f) => join(dir, f)).filter((f) => {
    try {
      readFileSync(f);
      return true;
    } catch {
      return false;
    }
  });
}

/** The extension host's log (code-server names it remoteexthost.log), newest session last. */
export function extensionHostLog(userDataDir: string): string {
  return filesUnder(join(userDataDir, 'logs'))
    .filter((f) => /(remote)?exthost\.log$/.test(f))
    .sort()
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

/** The "Smokes Fixer" output channel as VS Code writes it to disk (one file per session). */
export function productLog(userDataDir: string): string {
  return filesUnder(join(userDataDir, 'logs'))
    .filter((f) => f.includes('/smokes-fixer.smokes-fixer/') && f.endsWith('.log'))
    .sort()
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

export async function poll<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, explain?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${explain ? ` (${explain()})` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
