import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { runProcess } from '../core/processes';

/**
 * What the workspace's files hold at one moment, so a person's hand edits can be turned into a unified
 * diff and put back byte for byte. Only files a patch could touch count: git's tracked and untracked
 * files minus its ignores when the workspace is in a git repository, else a walk that skips the usual
 * environment and cache folders.
 */

/** Skipped everywhere: the loop's own state, caches, the repository itself. */
const ALWAYS_SKIPPED = new Set(['.git', '__pycache__', '.pytest_cache', '.smokes-fixer', 'node_modules']);
/** Skipped as well when there is no git to say what is ignored. */
const SKIPPED_WHEN_WALKING = new Set([
  ...ALWAYS_SKIPPED,
  '.venv',
  'venv',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.ruff_cache',
  '.eggs',
  '.idea',
  '.vscode-test',
]);
/** Top-level folders the loop writes into. */
const TOP_LEVEL_SKIPPED = new Set(['artifacts']);
/** Content above this size is fingerprinted but not kept: it cannot be diffed or restored. */
const MAX_KEPT_BYTES = 1_000_000;
/** Kept content of one capture, all files together, so a huge tracked tree cannot exhaust memory. */
const MAX_KEPT_TOTAL = 256_000_000;

export interface FileState {
  size: number;
  mode: number;
  /** sha1 of the content. */
  hash: string;
  /** The exact bytes, or null when the file is larger than MAX_KEPT_BYTES. */
  bytes: Buffer | null;
}

export type WorkspaceState = Map<string, FileState>;

export interface FileChange {
  /** Relative to the workspace, `/` separators. */
  path: string;
  before: FileState | null;
  after: FileState | null;
}

/** Relative paths (`/` separators, sorted) of the files that count. */
export async function listWorkspaceFiles(workspace: string, signal?: AbortSignal): Promise<string[]> {
  const fromGit = await gitFiles(workspace, signal);
  const files = fromGit ?? (await walk(workspace));
  return files.filter(counts).sort();
}

/** A cheap fingerprint (size and modification time of every file) for noticing that something changed. */
export async function fingerprintWorkspace(workspace: string, signal?: AbortSignal): Promise<string> {
  const files = await listWorkspaceFiles(workspace, signal);
  const parts: string[] = [];
  for (const file of files) {
    try {
      const stat = await fs.stat(path.join(workspace, file));
      if (stat.isFile()) parts.push(`${file}\0${stat.size}\0${stat.mtimeMs}`);
    } catch {
      /* removed while listing */
    }
  }
  return parts.join('\n');
}

export async function captureState(workspace: string, signal?: AbortSignal): Promise<WorkspaceState> {
  const state: WorkspaceState = new Map();
  let kept = 0;
  for (const file of await listWorkspaceFiles(workspace, signal)) {
    const entry = await readState(path.join(workspace, file));
    if (!entry) continue;
    if (entry.bytes) {
      kept += entry.bytes.length;
      if (kept > MAX_KEPT_TOTAL) entry.bytes = null;
    }
    state.set(file, entry);
  }
  return state;
}

/** Files created, changed or deleted since `before`, sorted by path. */
export async function changesSince(workspace: string, before: WorkspaceState, signal?: AbortSignal): Promise<FileChange[]> {
  const after = await captureState(workspace, signal);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: FileChange[] = [];
  for (const p of paths) {
    const b = before.get(p) ?? null;
    const a = after.get(p) ?? null;
    if (b && a && b.hash === a.hash) continue;
    changes.push({ path: p, before: b, after: a });
  }
  return changes;
}

/** True when the change can be shown as a diff and put back: both sides' bytes are known. */
export function isRestorable(change: FileChange): boolean {
  return (change.before === null || change.before.bytes !== null) && (change.after === null || change.after.bytes !== null);
}

/** The changes as one git-style unified diff (`diff --git` headers, `/dev/null` for created and deleted files). */
export function formatDiff(changes: FileChange[]): string {
  return changes.map(formatOne).join('');
}

function formatOne(change: FileChange): string {
  const p = change.path;
  const header = [`diff --git a/${p} b/${p}`];
  if (!change.before && change.after) header.push(`new file mode ${gitMode(change.after.mode)}`);
  if (change.before && !change.after) header.push(`deleted file mode ${gitMode(change.before.mode)}`);

  const oldBytes = change.before?.bytes ?? Buffer.alloc(0);
  const newBytes = change.after?.bytes ?? Buffer.alloc(0);
  if (!isText(oldBytes) || !isText(newBytes)) {
    return `${header.join('\n')}\nBinary files ${change.before ? `a/${p}` : '/dev/null'} and ${change.after ? `b/${p}` : '/dev/null'} differ\n`;
  }
  const oldText = oldBytes.toString('utf8');
  const newText = newBytes.toString('utf8');
  if (oldText === '' && newText === '') return `${header.join('\n')}\n`; // an empty file created or deleted: headers only, as git prints it
  const body = createTwoFilesPatch(
    change.before ? `a/${p}` : '/dev/null',
    change.after ? `b/${p}` : '/dev/null',
    oldText,
    newText,
    undefined,
    undefined,
    { context: 3, headerOptions: FILE_HEADERS_ONLY },
  );
  return `${header.join('\n')}\n${body.endsWith('\n') ? body : `${body}\n`}`;
}

/** Puts every restorable change back to its `before` state, byte for byte. Returns the paths restored. */
export async function restoreChanges(workspace: string, changes: FileChange[]): Promise<string[]> {
  const restored: string[] = [];
  const createdDirs = new Set<string>();
  for (const change of changes.filter(isRestorable)) {
    const abs = path.join(workspace, change.path);
    if (change.before) {
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await fs.writeFile(abs, change.before.bytes!);
      await fs.chmod(abs, change.before.mode & 0o7777);
    } else {
      await fs.rm(abs, { force: true });
      createdDirs.add(path.dirname(change.path));
    }
    restored.push(change.path);
  }
  // Folders that only held created files go too; a folder with anything else in it stays.
  for (const dir of [...createdDirs].sort((a, b) => b.length - a.length)) {
    let current = dir;
    while (current && current !== '.' && current !== path.dirname(current)) {
      try {
        await fs.rmdir(path.join(workspace, current));
      } catch {
        break; // not empty, or gone already
      }
      current = path.dirname(current);
    }
  }
  return restored;
}

function counts(file: string): boolean {
  const parts = file.split('/');
  if (TOP_LEVEL_SKIPPED.has(parts[0])) return false;
  return !parts.some((part) => ALWAYS_SKIPPED.has(part));
}

async function gitFiles(workspace: string, signal?: AbortSignal): Promise<string[] | null> {
  const result = await runProcess('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: workspace,
    signal,
    maxBuffer: 50_000_000,
  });
  if (result.exitCode !== 0) return null;
  return result.stdout.split('\0').filter(Boolean);
}

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (SKIPPED_WHEN_WALKING.has(entry.name) || entry.name.endsWith('.egg-info')) continue;
        if (!rel && TOP_LEVEL_SKIPPED.has(entry.name)) continue;
        await visit(child);
      } else if (entry.isFile()) {
        out.push(child);
      }
    }
  };
  await visit('');
  return out;
}

async function readState(abs: string): Promise<FileState | null> {
  try {
    const stat = await fs.lstat(abs);
    if (!stat.isFile()) return null; // symlinks and folders are not content a hand edit changes
    const bytes = await fs.readFile(abs);
    return {
      size: bytes.length,
      mode: stat.mode,
      hash: createHash('sha1').update(bytes).digest('hex'),
      bytes: bytes.length <= MAX_KEPT_BYTES ? bytes : null,
    };
  } catch {
    return null;
  }
}

function isText(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

function gitMode(mode: number): string {
  return mode & 0o111 ? '100755' : '100644';
}
