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

function productLogFiles(userDataDir: string): string[] {
  return filesUnder(join(userDataDir, 'logs'))
    .filter((f) => f.includes('/smokes-fixer.smokes-fixer/') && f.endsWith('.log'))
    .sort();
}

/** The "Smokes Fixer" output channel as VS Code writes it to disk (one file per session). */
export function productLog(userDataDir: string): string {
  return productLogFiles(userDataDir)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

/** How long each of the product's log files is now, for productLogSince. */
export function productLogMark(userDataDir: string): Map<string, number> {
  return new Map(productLogFiles(userDataDir).map((f) => [f, readFileSync(f, 'utf8').length]));
}

/**
 * What the product's log files gained since `mark`. Per file: each window's extension host has a file of its
 * own, and another window's file can sort after the one being written.
 */
export function productLogSince(userDataDir: string, mark: Map<string, number>): string {
  return productLogFiles(userDataDir)
    .map((f) => readFileSync(f, 'utf8').slice(mark.get(f) ?? 0))
    .filter((t) => t)
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
