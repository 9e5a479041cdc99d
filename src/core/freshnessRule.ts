// Whether a workspace takes part in freshness: only file reads, so the VS Code adapter can ask at start-up
// without loading the engine.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultSettings, type Settings } from './settings';

const MAKEFILE_NAMES = ['GNUmakefile', 'makefile', 'Makefile'];

/**
 * A workspace takes part in freshness when its Makefile has both exec-rpc targets, or the user named a
 * meta URL on purpose (one other than the default). Otherwise it is a plain pytest project
 * ('not-configured'). The one place this rule lives: the loop, the CLI and the extension all ask here.
 */
export async function isFreshnessConfigured(workspace: string, settings: Settings): Promise<boolean> {
  return freshnessConfigured(workspace, settings.metaUrl !== defaultSettings.metaUrl);
}

/** The same rule for a caller that knows only whether the meta URL was set on purpose; prefer `isFreshnessConfigured`. */
export async function freshnessConfigured(workspace: string, explicitMetaUrl: boolean): Promise<boolean> {
  if (explicitMetaUrl) return true;
  const targets = await makeTargets(workspace);
  return targets.has('exec-rpc-restart') && targets.has('exec-rpc-probe');
}

/** Target names defined in the workspace Makefile (`a b: deps`), ignoring special targets and variables. */
async function makeTargets(workspace: string): Promise<Set<string>> {
  const targets = new Set<string>();
  for (const name of MAKEFILE_NAMES) {
    let text: string;
    try {
      text = await readFile(join(workspace, name), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split(/\r?\n/)) {
      if (line.startsWith('\t')) continue; // a recipe line
      const m = /^([^:#=\s][^:#=]*?)\s*::?(?![:=])/.exec(line);
      if (!m) continue;
      for (const t of m[1].split(/\s+/)) if (t && !t.startsWith('.')) targets.add(t);
    }
    // make reads the first of these names that exists; so do we.
    break;
  }
  return targets;
}
