// The project's interpreter (PRODUCT.md 27), found as a Python developer's tools find it, and the one
// failure that is the environment's rather than the code's: a third-party module it cannot import.

import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SmokesError } from './errors';
import { startedBefore } from './importPathCache';
import { runProcess } from './processes';
import type { Failure } from './types';

export interface Interpreter {
  /** What runs pytest: a name on PATH (`python3`) or an absolute path. */
  python: string;
  source: 'configured' | 'editor' | 'VIRTUAL_ENV' | '.venv' | 'venv' | 'PATH';
  /** Why this one, for the checklist: "the workspace's .venv (no interpreter configured, none activated)". */
  why: string;
}

/** Null when `python` starts and is Python 3, else why not. */
async function probePython(python: string, cwd: string, cacheDir: string | undefined): Promise<string | null> {
  // An interpreter whose pytest was found, with nothing changed since, is not started once more: with a
  // version manager's shim (pyenv) each start costs ~0.1 s before the baseline.
  if (await startedBefore(python, cwd, cacheDir)) return null;
  const r = await runProcess(python, ['-c', 'import sys; print(sys.version_info[0])'], { cwd, timeoutMs: 30_000 });
  if (r.spawnError) return r.spawnError;
  if (r.exitCode !== 0) return `exit ${r.exitCode ?? r.signal}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  if (r.stdout.trim() !== '3') return `not Python 3 (major version ${r.stdout.trim()})`;
  return null;
}

function venvPython(dir: string): string | null {
  for (const rel of ['bin/python', 'bin/python3', 'Scripts/python.exe']) {
    const candidate = join(dir, rel);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * The interpreter for a workspace: the configured one (relative to the workspace), else an activated
 * `VIRTUAL_ENV`, else `.venv/` then `venv/` in the workspace, else `python3` then `python` on PATH.
 * A candidate that does not start is passed over and named in `why`.
 */
export async function findInterpreter(
  configured: string,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
  o: { cacheDir?: string } = {},
): Promise<Interpreter> {
  const wanted = configured.trim();
  if (wanted) {
    const candidate = /[\\/]/.test(wanted) ? resolve(workspace, wanted.replace(/^~(?=\/)/, env.HOME ?? '~')) : wanted;
    const error = await probePython(candidate, workspace, o.cacheDir);
    if (error === null) return { python: candidate, source: 'configured', why: 'configured (pythonPath / --python)' };
    throw new SmokesError(
      'config',
      `The configured Python interpreter "${wanted}" could not be used: ${error}.`,
      'Fix the pythonPath setting (or --python), or clear it to let Smokes Fixer find the project\'s interpreter.',
    );
  }
  const passedOver: string[] = [];
  const candidates: Array<{ python: string | null; source: Interpreter['source']; why: string; label: string }> = [];
  const active = env.VIRTUAL_ENV?.trim();
  if (active) candidates.push({ python: venvPython(active), source: 'VIRTUAL_ENV', why: `the activated virtual environment (VIRTUAL_ENV=${active})`, label: `VIRTUAL_ENV ${active}` });
  for (const name of ['.venv', 'venv'] as const) {
    const dir = join(workspace, name);
    if (existsSync(dir)) candidates.push({ python: venvPython(dir), source: name, why: `the workspace's ${name}/ (no interpreter configured${active ? '' : ', none activated'})`, label: `${name}/` });
  }
  for (const name of ['python3', 'python']) candidates.push({ python: name, source: 'PATH', why: `${name} on PATH (no interpreter configured, no virtual environment found)`, label: name });

  for (const c of candidates) {
    if (c.python === null) {
      passedOver.push(`${c.label} has no bin/python`);
      continue;
    }
    const error = await probePython(c.python, workspace, o.cacheDir);
    if (error === null) {
      const note = passedOver.length > 0 ? `; passed over: ${passedOver.join('; ')}` : '';
      return { python: c.python, source: c.source, why: c.why + note };
    }
    passedOver.push(`${c.label}: ${error}`);
  }
  throw new SmokesError(
    'config',
    `No Python 3 interpreter found (${passedOver.join('; ')}).`,
    'Install Python 3, create the project\'s .venv, or set pythonPath (--python) to the project\'s interpreter.',
  );
}

/** How an interpreter is written in a command a person types in the workspace: relative inside it. */
export function displayPython(python: string, workspace?: string): string {
  if (!workspace || !isAbsolute(python)) return python;
  const rel = relative(workspace, python);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return python;
  return rel.includes(sep) ? rel.split(sep).join('/') : `./${rel}`;
}

// ---------------------------------------------------------------------------------------------
// Environment problems

/** The top-level module of a ModuleNotFoundError failure, or null when it is not one. */
export function missingModule(failure: Failure): string | null {
  if (failure.exceptionType !== 'ModuleNotFoundError' && !/^No module named /.test(failure.message)) return null;
  const match = /No module named ['"]?([A-Za-z_][\w.]*)['"]?/.exec(failure.message) ?? /No module named ['"]?([A-Za-z_][\w.]*)['"]?/.exec(failure.longrepr ?? '');
  return match ? match[1].split('.')[0] : null;
}

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.smokes-fixer', 'artifacts', '__pycache__', '.pytest_cache', '.tox', '.nox', '.mypy_cache', 'site-packages', 'dist-packages']);

/** A module or package of that name anywhere in the workspace (not inside a virtual environment). */
async function inWorkspace(workspace: string, name: string, depth = 6): Promise<boolean> {
  async function walk(dir: string, level: number): Promise<boolean> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      if (e.isFile() && (e.name === `${name}.py` || (e.name.startsWith(`${name}.`) && /\.(so|pyd)$/.test(e.name)))) return true;
      if (e.isDirectory() && e.name === name) return true;
    }
    if (level >= depth) return false;
    for (const e of entries) {
      if (!e.isDirectory() || SKIP_DIRS.has(e.name)) continue;
      if (existsSync(join(dir, e.name, 'pyvenv.cfg'))) continue; // a virtual environment
      if (await walk(join(dir, e.name), level + 1)) return true;
    }
    return false;
  }
  return walk(workspace, 0);
}

/** The module was in the repository's history: renamed or deleted first-party code, a bug to repair. */
async function inHistory(workspace: string, name: string, signal?: AbortSignal): Promise<boolean> {
  const r = await runProcess(
    'git',
    // Branches, tags and remotes only: the loop's own snapshots (refs/smokes-fixer/) hold untracked files,
    // a virtual environment's among them, which are not the project's history.
    ['log', '-1', '--format=%H', '--branches', '--tags', '--remotes', '--', `:(glob)**/${name}.py`, `:(glob)**/${name}/**`],
    { cwd: workspace, env: { GIT_OPTIONAL_LOCKS: '0' }, signal, timeoutMs: 30_000 },
  );
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

async function importable(python: string, workspace: string, name: string, signal?: AbortSignal): Promise<boolean> {
  const r = await runProcess(python, ['-c', 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 1)', name], {
    cwd: workspace,
    signal,
    timeoutMs: 30_000,
  });
  return r.exitCode === 0;
}

/**
 * A failure that is the environment's, not the code's (PRODUCT.md 27): a `ModuleNotFoundError` for a
 * top-level module that is neither in the workspace (nor in its git history: a renamed or deleted module
 * is a bug to repair) nor importable by the chosen interpreter. Returns the error to stop with, or null.
 */
export async function environmentProblem(
  failure: Failure,
  o: { python: string; pythonDisplay?: string; workspace: string; signal?: AbortSignal },
): Promise<SmokesError | null> {
  const name = missingModule(failure);
  if (!name) return null;
  if (await inWorkspace(o.workspace, name)) return null;
  if (await inHistory(o.workspace, name, o.signal)) return null;
  if (await importable(o.python, o.workspace, name, o.signal)) return null;
  const shown = o.pythonDisplay ?? o.python;
  return new SmokesError(
    'environment',
    `${failure.nodeid} cannot import the module "${name}": it is not in the workspace and the interpreter ${shown} does not have it. This is the environment, not a bug to patch; no producer was asked.`,
    `Choose the interpreter that has "${name}" (--python PATH, or pythonPath in .smokes-fixer.json; in VS Code the "Python: Select Interpreter" picker), or install it into ${shown}.`,
  );
}
