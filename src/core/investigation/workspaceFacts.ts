import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcess, type ProcessTracker } from '../processes';
import type { Logger } from '../types';
import { classifyFrame, parseTracebackFrames, thirdPartyRoots } from './payloads';

/** Folders that never hold the user's own importable code. */
const NOT_USER_DIRS = new Set([
  'tests', 'test', 'testing', 'venv', '.venv', 'env', '.env', 'virtualenv', 'node_modules', 'build', 'dist',
  'site-packages', 'dist-packages', '__pycache__', 'docs', 'doc', 'artifacts', 'htmlcov', '.tox', '.nox',
]);
const NOT_USER_FILES = new Set(['conftest', 'setup', 'noxfile', 'tasks', 'manage']);

/**
 * Top-level names of the workspace's own modules and packages (at the root and under `src/`): `.py` files and
 * folders holding Python files, without tests, virtual environments and build output. These names are
 * what the public payload must never carry.
 */
export async function discoverUserModules(workspace: string): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of [workspace, path.join(workspace, 'src')]) {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isFile() && /\.pyw?$/.test(entry.name)) {
        const name = entry.name.replace(/\.pyw?$/, '');
        if (/^[A-Za-z_]\w*$/.test(name) && !NOT_USER_FILES.has(name) && !/^test_|_test$/.test(name)) names.add(name);
      } else if (entry.isDirectory() && /^[A-Za-z_]\w*$/.test(entry.name) && !NOT_USER_DIRS.has(entry.name) && !entry.name.endsWith('.egg-info')) {
        if (await isPythonPackage(path.join(dir, entry.name))) names.add(entry.name);
      }
    }
  }
  return [...names].sort();
}

async function isPythonPackage(dir: string): Promise<boolean> {
  try {
    const entries = await fs.readdir(dir);
    if (entries.includes('pyvenv.cfg')) return false;
    return entries.some((e) => /\.pyw?$/.test(e));
  } catch {
    return false;
  }
}

const MAX_CODE_FILE_BYTES = 1_000_000;

/**
 * The lines of every workspace file the traceback passes through, so the public payload can be checked
 * against them. Files outside the workspace, too large or unreadable are skipped.
 */
export async function userCodeLines(traceback: string, workspace: string): Promise<string[]> {
  const files = new Set<string>();
  for (const frame of parseTracebackFrames(traceback)) {
    const where = classifyFrame(frame.file, workspace);
    if (where.kind === 'user' && where.relative) files.add(where.relative);
  }
  const lines: string[] = [];
  for (const rel of [...files].slice(0, 20)) {
    try {
      const full = path.join(workspace, rel);
      const stat = await fs.stat(full);
      if (!stat.isFile() || stat.size > MAX_CODE_FILE_BYTES) continue;
      lines.push(...(await fs.readFile(full, 'utf8')).split(/\r?\n/));
    } catch {
      /* a vanished or unreadable file adds nothing */
    }
  }
  return lines;
}

// Asks the interpreter itself: import names → distributions (importlib.metadata) and its own version.
const VERSIONS_SCRIPT = [
  'import json, platform, sys',
  'from importlib import metadata',
  'out = {}',
  'try:',
  '    dists = metadata.packages_distributions()',
  'except Exception:',
  '    dists = {}',
  'for name in sys.argv[1:]:',
  '    for dist in dists.get(name, [name]):',
  '        try:',
  '            out[dist] = metadata.version(dist)',
  '        except Exception:',
  '            pass',
  'print(json.dumps({"python": platform.python_version(), "packages": out}))',
].join('\n');

export interface VersionFacts {
  python: string | null;
  packages: Record<string, string>;
}

/**
 * The interpreter's version and the distributions (with versions) of the installed packages whose frames
 * the traceback passes through. Optional knowledge: any failure gives nulls and an empty map.
 */
export async function packagesInTraceback(o: {
  traceback: string;
  workspace: string;
  python: string;
  signal?: AbortSignal;
  tracker?: ProcessTracker;
  log?: Logger;
  timeoutMs?: number;
}): Promise<VersionFacts> {
  const roots = thirdPartyRoots(o.traceback, o.workspace);
  try {
    const result = await runProcess(o.python, ['-c', VERSIONS_SCRIPT, ...roots], {
      cwd: os.tmpdir(), // not the workspace: its modules must not shadow anything here
      signal: o.signal,
      tracker: o.tracker,
      timeoutMs: o.timeoutMs ?? 20_000,
      maxBuffer: 100_000,
    });
    if (result.exitCode !== 0) {
      o.log?.debug(`Could not read package versions with ${o.python}: ${result.spawnError ?? result.stderr.trim().slice(-300)}`);
      return { python: null, packages: {} };
    }
    const parsed = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Partial<VersionFacts>;
    return { python: typeof parsed.python === 'string' ? parsed.python : null, packages: parsed.packages ?? {} };
  } catch (error) {
    o.log?.debug(`Could not read package versions: ${error instanceof Error ? error.message : String(error)}`);
    return { python: null, packages: {} };
  }
}
