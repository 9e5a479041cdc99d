// Snapshots of the working tree and exact rollback (PRODUCT.md 6).
//
// A snapshot is a git tree of every non-ignored file under the workspace (tracked and untracked, the user's
// uncommitted edits included), written through a private index file so the user's index, HEAD and stash are
// never touched, and kept as a commit under refs/smokes-fixer/ so it survives a crash and `git gc`. Outside
// a repository the same runs against a private git dir in `.smokes-fixer/git`.
//
// Bytes stay bytes: autocrlf is off, attributes files outside the repository (global, system) are not read
// while our index is built, and files that the repository's own attributes would convert (eol, text,
// filters) are re-hashed raw. Restore therefore writes blobs itself instead of `checkout-index`, which
// would smudge them.

import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, type BigIntStats } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { spawn } from 'node:child_process';
import { SmokesError } from './errors';
import { silentLogger, type Logger, type PatchSummary } from './types';
import { pruneEmptyDirs } from './fsPrune';
import { pauseForTest } from './testHooks';
import { applyPatch } from './patch';
import { planFileUndo, writesByFile, type Conflict, type FileState, type LoopWrite, type Snapshot, type UndoResult, type WorkingTree } from './workingTree';

export type { Snapshot } from './workingTree';

export interface LoopState {
  running: boolean;
  /** Null while the start snapshot is still being taken (it is taken while the baseline runs). */
  startSnapshot: Snapshot | null;
  startedAt: string;
  pid: number;
  /** Names the run's conflict folder. */
  runId: string;
  /** Every file the loop's patches wrote, in order, recorded before the write (PRODUCT.md 26). */
  writes: LoopWrite[];
}

/** Never part of a snapshot and never touched by a restore: the run's own output. */
export const SNAPSHOT_EXCLUDES = ['artifacts', 'requirements.snapshot.txt', '.smokes-fixer'] as const;
/** Caches Python writes while tests run; restoring or deleting them would only cost time. */
const EXCLUDED_DIR_NAMES = ['__pycache__'];
const EXCLUDED_GLOBS = EXCLUDED_DIR_NAMES.map((d) => `**/${d}/**`);

export const PRIVATE_DIR = '.smokes-fixer';
/**
 * A plain folder has no .gitignore to say what is environment rather than source: virtual environments and
 * caches count as ignored there, so a snapshot does not copy a whole interpreter and a restore leaves it be.
 */
const PRIVATE_EXCLUDES = [`/${PRIVATE_DIR}/`, '.venv/', 'venv/', '.tox/', '.nox/', 'node_modules/', '__pycache__/', '*.pyc', '.pytest_cache/', '.mypy_cache/', '.ruff_cache/'];
const REF_ROOT = 'refs/smokes-fixer/';
/**
 * Beside our cached index: what the last look in it found (see `withIndex`). The cached index never holds
 * the run's own output (it is dropped before the index is kept), so the record says whether it holds
 * .gitattributes files, and for which index file.
 */
const LOOK_FILE = 'index.look';
/** What one git call may print (restores read whole files through `cat-file --batch`). */
const MAX_OUTPUT = 1024 * 1024 * 1024;
const STATE_FILE = 'state.json';

const GIT_CONFIG = [
  'core.autocrlf=false',
  'core.safecrlf=false',
  'core.filemode=true',
  'core.symlinks=true',
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'core.splitIndex=false',
  'core.quotePath=false',
  'advice.addEmbeddedRepo=false',
  'gc.auto=0',
  'maintenance.auto=false',
  'color.ui=false',
  'diff.noprefix=false',
  'diff.mnemonicPrefix=false',
  'diff.relative=false',
  'status.relativePaths=false',
].flatMap((c) => ['-c', c]);

/** Variables that would point git at another repository, index or work tree than ours. */
const GIT_ENV_DROP = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_EXTERNAL_DIFF',
  'GIT_DIFF_OPTS',
];

interface GitResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

interface GitCall {
  /** A promise starts git before its input is known (stdin is written when it settles; a rejection sends none). */
  input?: string | Buffer | Promise<string | Buffer>;
  index?: string;
  signal?: AbortSignal | null;
  /** Exit codes that are answers, not failures. */
  okCodes?: number[];
  cwd?: string;
}

export class SnapshotStore implements WorkingTree {
  private objectFormat: 'sha1' | 'sha256' | null = null;
  private indexFixedLastTime = false;

  private constructor(
    readonly workspace: string,
    readonly mode: 'git' | 'private-git',
    /** The (per-worktree) git dir: index, state. */
    private readonly gitDir: string,
    /** Shared by all worktrees: info/attributes. */
    private readonly commonDir: string,
    /** Workspace path relative to the repository top, with a trailing '/', or ''. */
    private readonly prefix: string,
    /** Namespace of this workspace's refs and state when it is not the top of the main worktree. */
    private readonly key: string,
    private readonly stateDir: string,
    private readonly log: Logger,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Finds the repository around the workspace, or sets up the private one for a plain folder. The signal
   * cancels `open` and `take`; restore, diffs and state run to the end, since cancellation relies on them.
   */
  static async open(workspace: string, opts: { log?: Logger; signal?: AbortSignal } = {}): Promise<SnapshotStore> {
    const ws = resolve(workspace);
    const log = opts.log ?? silentLogger;
    // A missing git shows here, as the probe's spawn error (see runGit).
    const probe = await runGit([], ['rev-parse', '--is-inside-work-tree', '--show-toplevel', '--absolute-git-dir', '--git-common-dir', '--show-prefix'], {
      cwd: ws,
      okCodes: [0, 128],
      signal: opts.signal,
    });
    const lines = probe.stdout.toString('utf8').split('\n');
    if (probe.exitCode === 0 && lines[0] === 'true' && !(await workspaceIgnored(lines[1], lines[4] ?? ''))) {
      const gitDir = lines[2];
      const commonDir = resolve(ws, lines[3]);
      const prefix = lines[4] ?? '';
      const linked = resolve(gitDir) !== commonDir;
      const keyed = prefix !== '' || linked;
      const key = keyed ? `ws/${slug(`${linked ? gitDir.split(sep).pop() + '/' : ''}${prefix}`)}/` : '';
      const stateDir = join(gitDir, 'smokes-fixer', ...key.split('/').filter(Boolean));
      await mkdir(stateDir, { recursive: true });
      log.debug(`Snapshots: git repository ${lines[1]}${prefix ? `, workspace ${prefix}` : ''}.`);
      return new SnapshotStore(ws, 'git', gitDir, commonDir, prefix, key, stateDir, log, opts.signal);
    }

    // A plain folder (or one its parent repository ignores): a private repository beside the files.
    const privateRoot = join(ws, PRIVATE_DIR);
    const gitDir = join(privateRoot, 'git');
    if (!existsSync(join(gitDir, 'HEAD'))) {
      await mkdir(privateRoot, { recursive: true });
      // Keeps the private folder out of any repository the user creates later.
      await writeFile(join(privateRoot, '.gitignore'), '*\n');
      await runGit([], ['init', '-q', '--bare', gitDir], { cwd: ws, signal: opts.signal });
      await mkdir(join(gitDir, 'info'), { recursive: true });
      await writeFile(join(gitDir, 'info', 'exclude'), PRIVATE_EXCLUDES.join('\n') + '\n');
    }
    log.debug(`Snapshots: ${ws} is not in a git repository; using the private repository ${gitDir}.`);
    return new SnapshotStore(ws, 'private-git', gitDir, gitDir, '', '', privateRoot, log, opts.signal);
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  /** Records the working tree as it is now under `refs/smokes-fixer/<name>`. */
  async take(name: string): Promise<Snapshot> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
      throw new SmokesError('snapshot', `Invalid snapshot name ${JSON.stringify(name)}.`, 'Use letters, digits, - and _.');
    }
    const tree = await this.writeTree(this.signal);
    // An id's length tells the repository's hash, which `blobId` would otherwise ask git for.
    this.objectFormat ??= tree.length === 64 ? 'sha256' : 'sha1';
    const createdAt = new Date().toISOString();
    const message = `smokes-fixer snapshot ${name}\n\nworkspace: ${this.workspace}\ncreated: ${createdAt}\n`;
    const commit = (await this.git(['commit-tree', tree], { input: message, signal: this.signal })).stdout.toString('utf8').trim();
    await this.git(['update-ref', '-m', `smokes-fixer: snapshot ${name}`, this.ref(name), commit], { signal: this.signal });
    this.log.debug(`Snapshot ${name}: commit ${commit.slice(0, 12)}, tree ${tree.slice(0, 12)}.`);
    return { name, commit, tree, createdAt };
  }

  /**
   * Makes the workspace's non-ignored files equal to the snapshot: rewrites what differs (content, mode,
   * symlink), deletes what was not there, removes directories that became empty. Ignored files stay.
   * Runs to the end even when the loop is cancelled: it is what cancellation relies on.
   */
  async restore(snapshot: Snapshot, paths?: string[]): Promise<{ written: string[]; removed: string[] }> {
    const only = paths ? new Set(paths) : null;
    // `cat-file` starts while `git add` runs and is sent the ids once the diff is known.
    let sendIds: (ids: string[]) => void = () => {};
    const ids = new Promise<string[]>((r) => (sendIds = r));
    let reading: Promise<Map<string, Buffer>> | undefined;
    const startReading = () => {
      reading = this.readBlobs(ids);
      reading.catch(() => {}); // awaited below
    };
    const changes = (
      await this.diffEntries(snapshot, null, startReading).catch((error: unknown) => {
        sendIds([]);
        throw error;
      })
    ).filter((c) => only === null || only.has(c.path));
    const removed: string[] = [];
    const toWrite: DiffEntry[] = [];
    for (const c of changes) {
      if (c.srcMode === '160000' || c.dstMode === '160000') continue; // nested repositories are not ours to touch
      if (c.status === 'A') removed.push(c.path);
      else toWrite.push(c);
    }
    // Every byte to write is read before the first file changes.
    sendIds(toWrite.map((c) => c.srcSha));
    const blobs = await (reading ?? this.readBlobs(ids));

    for (const path of removed) {
      const abs = this.abs(path);
      try {
        const st = await lstat(abs);
        if (st.isDirectory()) await rm(abs, { recursive: true, force: true });
        else await unlink(abs);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      await pruneEmptyDirs(dirname(abs), this.workspace);
    }

    // Parent folders once each, then the files side by side: their paths are distinct and none is a
    // folder of another (they come from one tree).
    const parents = new Set<string>();
    for (const c of toWrite) {
      const abs = this.abs(c.path);
      if (parents.has(dirname(abs))) continue;
      await this.makeParentDirs(abs);
      parents.add(dirname(abs));
    }
    await eachAtMost(16, toWrite, async (c) => {
      const abs = this.abs(c.path);
      const existing = await lstat(abs).catch(() => null);
      if (existing?.isDirectory()) await rm(abs, { recursive: true, force: true });
      else if (existing) await unlink(abs);
      const data = blobs.get(c.srcSha)!;
      if (c.srcMode === '120000') {
        await symlink(data.toString('utf8'), abs);
      } else {
        // Same modes git gives a checkout: the umask decides the rest.
        await writeFile(abs, data, { mode: c.srcMode === '100755' ? 0o777 : 0o666 });
      }
    });
    const written = toWrite.map((c) => c.path);
    this.log.debug(`Restored ${snapshot.name}: ${written.length} written, ${removed.length} removed.`);
    return { written: written.sort(), removed: removed.sort() };
  }

  /** Unified diff from the snapshot to the tree as it is now (workspace-relative paths, no renames), and its files. */
  async diffSince(snapshot: Snapshot): Promise<{ diff: string; files: Array<{ path: string; binary: boolean }> }> {
    const current = await this.writeTree(null);
    const range = ['--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--relative', snapshot.tree, current, '--', ...this.pathspecs()];
    const [patch, stat] = await both(this.git(['diff', ...range], { okCodes: [0, 128] }), this.git(['diff', '--numstat', '-z', ...range], { okCodes: [0, 128] }));
    for (const r of [patch, stat]) {
      if (r.exitCode === 0) continue;
      await this.requireTree(snapshot);
      throw gitFailure(['diff'], this.workspace, r.exitCode, r.stderr);
    }
    const diff = patch.stdout.toString('utf8');
    const numstat = stat.stdout.toString('utf8');
    const files = numstat
      .split('\0')
      .filter(Boolean)
      .map((entry) => {
        const [added, removed, ...rest] = entry.split('\t');
        return { path: rest.join('\t'), binary: added === '-' && removed === '-' };
      });
    return { diff, files };
  }

  /** The tree id of the working tree now: equal ids, equal files. */
  async fingerprint(): Promise<string> {
    return this.writeTree(null);
  }

  // -------------------------------------------------------------------------------------------
  // The loop's own writes (PRODUCT.md 26)

  async apply(patch: PatchSummary, o: { signal?: AbortSignal; beforeWrite?: (writes: LoopWrite[]) => Promise<void> } = {}): Promise<LoopWrite[]> {
    let writes: LoopWrite[] = [];
    await applyPatch(patch, this.workspace, {
      signal: o.signal,
      onPlan: async (plan) => {
        writes = [];
        for (const p of plan) {
          // The bytes before go into the object store, so an undo after a crash can still write them back.
          const before = await this.stateOf(p.path, true);
          let after: FileState = null;
          if (p.content !== null) {
            const mode = p.mode !== null ? gitFileMode(p.mode) : before && before.mode !== '120000' ? before.mode : '100644';
            after = { sha: await this.blobId(Buffer.from(p.content, 'utf8')), mode };
          }
          writes.push({ path: p.path, before, after });
        }
        await o.beforeWrite?.(writes);
      },
    });
    return writes;
  }

  /**
   * Takes back the loop's writes file by file (see `planFileUndo`): a file the loop did not write is never
   * looked at; one someone else changed since is kept, and the state the loop wanted to restore is written
   * to `<conflictDir>/<path>` instead (an empty file when that state is "no file").
   */
  async undo(writes: LoopWrite[], conflictDir: string): Promise<UndoResult> {
    const restored: string[] = [];
    const conflicts: Conflict[] = [];
    // Whatever a file may go back to (or have saved aside) is a state before one of the loop's writes: read
    // in one `cat-file` up front rather than one per file, so each file is still written right after it is
    // looked at. The recorded ids also tell the repository's hash, which `blobId` would otherwise ask git for.
    const befores = writes.map((w) => w.before).filter((b): b is NonNullable<FileState> => b !== null && /^[0-9a-f]+$/.test(b.sha));
    if (befores.length > 0) this.objectFormat ??= befores[0].sha.length === 64 ? 'sha256' : 'sha1';
    const blobs = await this.readBlobs(befores.map((b) => b.sha), { missingOk: true });
    for (const [path, list] of writesByFile(writes)) {
      const plan = planFileUndo(list, await this.stateOf(path));
      if (plan.restoreTo) {
        if (restored.length === 0) await pauseForTest('undo');
        await this.writeState(path, plan.restoreTo.state, false, blobs);
        restored.push(path);
      }
      if (plan.conflict !== undefined) {
        const copy = `${conflictDir.replace(/\/+$/, '')}/${path}`;
        await this.writeState(copy, plan.conflict === null ? null : { sha: plan.conflict.sha, mode: plan.conflict.mode === '120000' ? '100644' : plan.conflict.mode }, true, blobs);
        conflicts.push({ path, copy });
      }
    }
    this.log.debug(`Undid the loop's writes: ${restored.length} file(s) restored, ${conflicts.length} conflict(s).`);
    return { restored: restored.sort(), conflicts };
  }

  /** A file's state now; with `store`, its bytes are also written to the object store. */
  async stateOf(rel: string, store = false): Promise<FileState> {
    const abs = this.abs(rel);
    const st = await lstat(abs).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (!st) return null;
    if (st.isDirectory()) return { sha: 'directory', mode: '040000' };
    const link = st.isSymbolicLink();
    const data = link ? Buffer.from(await readlink(abs), 'utf8') : await readFile(abs);
    const sha = store
      ? (await this.git(['hash-object', '-w', '--no-filters', '--stdin'], { input: data, signal: null })).stdout.toString('utf8').trim()
      : await this.blobId(data);
    return { sha, mode: link ? '120000' : st.mode & 0o100 ? '100755' : '100644' };
  }

  /** Puts a recorded state on disk (null: removes the file). A conflict copy is always a plain file. */
  private async writeState(rel: string, state: FileState, asCopy = false, blobs?: Map<string, Buffer>): Promise<void> {
    const abs = this.abs(rel);
    const existing = await lstat(abs).catch(() => null);
    if (state === null) {
      if (asCopy) {
        await this.makeParentDirs(abs);
        await writeFile(abs, '');
        return;
      }
      if (existing && !existing.isDirectory()) await unlink(abs);
      await pruneEmptyDirs(dirname(abs), this.workspace);
      return;
    }
    const data = blobs?.get(state.sha) ?? (await this.readBlobs([state.sha])).get(state.sha)!;
    await this.makeParentDirs(abs);
    if (existing?.isDirectory()) await rm(abs, { recursive: true, force: true });
    else if (existing) await unlink(abs);
    if (state.mode === '120000' && !asCopy) await symlink(data.toString('utf8'), abs);
    else await writeFile(abs, data, { mode: state.mode === '100755' ? 0o777 : 0o666 });
  }

  private async blobId(data: Buffer): Promise<string> {
    if (this.objectFormat === null) {
      const out = await this.git(['rev-parse', '--show-object-format'], { okCodes: [0, 128, 129], signal: null });
      this.objectFormat = out.exitCode === 0 && out.stdout.toString('utf8').trim() === 'sha256' ? 'sha256' : 'sha1';
    }
    return createHash(this.objectFormat).update(`blob ${data.length}\0`).update(data).digest('hex');
  }

  /** `git status` is empty (the product's own output aside). Always false outside a repository. */
  async isClean(): Promise<boolean> {
    if (this.mode !== 'git') return false;
    const out = await this.git(['status', '--porcelain', '-z', '--untracked-files=all', '--ignore-submodules=none']);
    const ours = SNAPSHOT_EXCLUDES.map((e) => this.prefix + e);
    const entries = out.stdout.toString('utf8').split('\0').filter(Boolean);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const path = entry.slice(3);
      if (entry[0] === 'R' || entry[0] === 'C') i++; // the rename's source follows
      if (ours.some((o) => path === o || path.startsWith(`${o}/`))) continue;
      return false;
    }
    return true;
  }

  async headSha(): Promise<string | null> {
    if (this.mode !== 'git') return null;
    const out = await this.git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { okCodes: [0, 1, 128] });
    return out.exitCode === 0 ? out.stdout.toString('utf8').trim() : null;
  }

  /**
   * The spec's literal rollback, `git reset --hard && git clean -fd`, for a tree that was clean at the
   * start. The run's own output (artifacts, requirements snapshot) is kept out of the clean.
   */
  async hardReset(): Promise<void> {
    if (this.mode !== 'git') {
      throw new SmokesError('snapshot', 'git reset --hard needs a git repository, and this workspace is not in one.', 'Restore the start snapshot instead.');
    }
    await this.git(['reset', '--hard', '-q']);
    await this.git(['clean', '-fd', '-q', ...SNAPSHOT_EXCLUDES.flatMap((e) => ['-e', e])]);
  }

  // -------------------------------------------------------------------------------------------
  // Loop state (for `smokes-fixer restore` after a crash)

  async saveLoopState(state: LoopState): Promise<void> {
    const file = join(this.stateDir, STATE_FILE);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const body = { version: 2, workspace: this.workspace, mode: this.mode, ...state };
    await mkdir(this.stateDir, { recursive: true });
    await writeFile(tmp, JSON.stringify(body, null, 2) + '\n');
    await rename(tmp, file);
  }

  /**
   * The last loop's state; from the `start` ref alone when the state file is gone. Null when neither exists.
   * A state saved before its start snapshot was taken has a null `startSnapshot` and its writes as ever.
   */
  async loadLoopState(): Promise<LoopState | null> {
    try {
      const raw = JSON.parse(await readFile(join(this.stateDir, STATE_FILE), 'utf8')) as Partial<LoopState>;
      const s = raw.startSnapshot;
      const valid = s && typeof s.commit === 'string' && typeof s.tree === 'string' && typeof s.name === 'string';
      if (valid || (s === null && Array.isArray(raw.writes))) {
        return {
          running: raw.running === true,
          startSnapshot: valid ? { name: s.name, commit: s.commit, tree: s.tree, createdAt: String(s.createdAt ?? '') } : null,
          startedAt: String(raw.startedAt ?? s?.createdAt ?? ''),
          pid: Number(raw.pid ?? 0),
          runId: typeof raw.runId === 'string' && /^[\w.-]+$/.test(raw.runId) ? raw.runId : 'unknown-run',
          writes: Array.isArray(raw.writes) ? raw.writes.filter(isLoopWrite) : [],
        };
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    const ref = await this.git(['rev-parse', '--verify', '-q', `${this.ref('start')}^{commit}`], { okCodes: [0, 1, 128] });
    if (ref.exitCode !== 0) return null;
    const commit = ref.stdout.toString('utf8').trim();
    const info = (await this.git(['show', '-s', '--format=%T%n%cI', commit])).stdout.toString('utf8').split('\n');
    const snapshot: Snapshot = { name: 'start', commit, tree: info[0], createdAt: info[1] ?? '' };
    return { running: false, startSnapshot: snapshot, startedAt: snapshot.createdAt, pid: 0, runId: 'unknown-run', writes: [] };
  }

  /** The ref a snapshot name is kept under. */
  ref(name: string): string {
    return `${REF_ROOT}${this.key}${name}`;
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private abs(rel: string): string {
    return join(this.workspace, ...rel.split('/'));
  }

  private pathspecs(): string[] {
    return ['.', ...SNAPSHOT_EXCLUDES.map((e) => `:(exclude,literal)${e}`), ...EXCLUDED_GLOBS.map((g) => `:(exclude,glob)${g}`)];
  }

  private excludedPathspecs(): string[] {
    return [...SNAPSHOT_EXCLUDES.map((e) => `:(literal)${e}`), ...EXCLUDED_GLOBS.map((g) => `:(glob)${g}`)];
  }

  private baseArgs(): string[] {
    return this.mode === 'private-git' ? ['--git-dir', this.gitDir, '--work-tree', this.workspace] : [];
  }

  private git(args: string[], call: GitCall = {}): Promise<GitResult> {
    this.log.trace(`git ${args.join(' ')}`);
    return runGit(this.baseArgs(), args, { cwd: this.workspace, ...call });
  }

  /** A tree of the working tree now. */
  private writeTree(signal: AbortSignal | null | undefined): Promise<string> {
    return this.withIndex(signal, async (call) => (await this.git(['write-tree'], call)).stdout.toString('utf8').trim());
  }

  /**
   * Brings our own index (seeded from the last one, or the user's, for speed) up to date with the working
   * tree, then reads it with `read`. `read` runs beside the look for entries that need more work (which
   * needs no process when the record beside the cached index already tells) and is run again in the rare
   * case they change the index, so the common case costs `git add` and `read` alone. `beside` starts other
   * work once `git add` runs.
   */
  private async withIndex<T>(signal: AbortSignal | null | undefined, read: (call: GitCall) => Promise<T>, beside?: () => void): Promise<T> {
    // The file system calls here are synchronous: each is one call on a small local file (the copy is of
    // the index, about 100 bytes a file), where a round trip through libuv's pool cost more than the call.
    mkdirSync(this.stateDir, { recursive: true });
    const cache = join(this.stateDir, 'index');
    const lookFile = join(this.stateDir, LOOK_FILE);
    const tmp = join(this.stateDir, `index.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    let kept = false;
    try {
      const seed = existsSync(cache) ? cache : this.mode === 'git' ? join(this.gitDir, 'index') : null;
      let known: { attributes: boolean } | null = null;
      if (seed && existsSync(seed)) {
        // Git tells racily-clean entries (changed within the second the index was written) by the index
        // file's mtime; a copy must keep it or such a change would be missed. Read before the copy: should
        // the seed be replaced in between, the copy gets an older time than its own, which only costs a re-hash.
        const st = statSync(seed, { bigint: true });
        if (seed === cache) known = this.readLook(lookFile, st);
        copyFileSync(seed, tmp);
        utimesSync(tmp, st.atime, st.mtime);
      }
      const call = { index: tmp, signal };
      // Exclusions are dropped after the add: as `git add` pathspecs they fail when the user ignores them.
      // With the seed's last look known, `--verbose` names every path the add puts in, changes or takes out.
      const added = this.git(['add', '-A', ...(known ? ['--verbose'] : []), '--', '.'], call);
      beside?.();
      const addedNames = (await added).stdout;
      // One look at the few entries that need more work (the run's own output, attributes files), so a
      // large tree is not listed whole, nor its index rewritten, when there are none. It finds what it found
      // last time when the add named none of them: then it costs no process.
      const unchanged = known && !LOOKED_FOR.some((name) => addedNames.includes(name)) ? (known.attributes ? ['.gitattributes'] : []) : null;
      const look = async () =>
        unchanged ?? (await this.git(['ls-files', '-z', '--', ...this.excludedPathspecs(), ':(glob)**/.gitattributes'], call)).stdout.toString('utf8').split('\0').filter(Boolean);
      // After a look that changed the index the next one likely does too: then it goes first, alone.
      const [first, special] = this.indexFixedLastTime ? [null, await look()] : await both(read(call), look());
      let changed = false;
      if (special.some(isExcludedPath)) {
        await this.git(['rm', '--cached', '-r', '-f', '-q', '--ignore-unmatch', '--', ...this.excludedPathspecs()], call);
        changed = true;
      }
      const attributesFile = special.some((p) => !isExcludedPath(p) && (p === '.gitattributes' || p.endsWith('/.gitattributes')));
      if (attributesFile || this.attributesBeyondWorkspace()) changed = (await this.storeConvertedFilesRaw(call)) || changed;
      this.indexFixedLastTime = changed;
      const result = changed || first === null ? await read(call) : first;
      // Git replaces an index by renaming a new file onto it, so the file's identity tells this one apart.
      const id = indexIdentity(statSync(tmp, { bigint: true }));
      renameSync(tmp, cache);
      kept = true;
      // Written after the rename: a crash in between leaves a record of another file, which is not used.
      writeFileSync(lookFile, JSON.stringify({ index: id, pathspecs: this.excludedPathspecs(), attributes: attributesFile }) + '\n');
      return result;
    } finally {
      if (!kept) rmSync(tmp, { force: true });
    }
  }

  /** What the last look found in the cached index, if the record is about this very file and these pathspecs. */
  private readLook(file: string, seed: BigIntStats): { attributes: boolean } | null {
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as { index?: unknown; pathspecs?: unknown; attributes?: unknown };
      const same = record.index === indexIdentity(seed) && JSON.stringify(record.pathspecs) === JSON.stringify(this.excludedPathspecs());
      return same && typeof record.attributes === 'boolean' ? { attributes: record.attributes } : null;
    } catch {
      return null; // none yet, or cut short
    }
  }

  /**
   * `git add` applies .gitattributes (eol, text, filters); a snapshot must hold the bytes on disk. Files
   * that have any such attribute are hashed again without filters.
   */
  private async storeConvertedFilesRaw(call: GitCall): Promise<boolean> {
    const listing = (await this.git(['ls-files', '-s', '-z', '--full-name', '--', ...this.pathspecs()], call)).stdout.toString('utf8');
    const entries = listing
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf('\t');
        const [mode] = line.slice(0, tab).split(' ');
        return { mode, top: line.slice(tab + 1) };
      })
      .filter((e) => e.mode === '100644' || e.mode === '100755');
    if (entries.length === 0) return false;

    const rel = entries.map((e) => e.top.slice(this.prefix.length));
    const attrs = await this.git(['check-attr', '-z', '--stdin', 'text', 'eol', 'crlf', 'filter', 'ident', 'working-tree-encoding'], {
      ...call,
      input: rel.join('\0') + '\0',
    });
    const parts = attrs.stdout.toString('utf8').split('\0');
    const converted = new Set<string>();
    for (let i = 0; i + 2 < parts.length; i += 3) {
      if (parts[i + 2] !== 'unspecified' && parts[i + 2] !== 'unset') converted.add(parts[i]);
    }
    if (converted.size === 0) return false;
    const chosen = entries.filter((_, i) => converted.has(rel[i]));
    const paths = chosen.map((e) => e.top.slice(this.prefix.length));
    const hashes = (await this.git(['hash-object', '-w', '--no-filters', '--stdin-paths'], { ...call, input: paths.join('\n') + '\n' })).stdout
      .toString('utf8')
      .trim()
      .split('\n');
    const info = chosen.map((e, i) => `${e.mode} ${hashes[i]}\t${e.top}\0`).join('');
    await this.git(['update-index', '-z', '--index-info'], { ...call, input: info });
    return true;
  }

  /**
   * Cheap test, besides the workspace's own .gitattributes files, before asking check-attr about every file:
   * the repository's info/attributes, or attributes files above a subfolder workspace. (Global and system
   * attributes are not read with our index, see `runGit`.)
   */
  private attributesBeyondWorkspace(): boolean {
    return this.prefix !== '' || existsSync(join(this.commonDir, 'info', 'attributes'));
  }

  /**
   * What differs between the snapshot and the working tree now, read from our index (`diff-index --cached`,
   * the same answer as writing its tree and diffing the two trees, one process fewer). A missing snapshot
   * tree fails the diff before anything is written, and is told apart from other failures only then.
   */
  private async diffEntries(snapshot: Snapshot, signal: AbortSignal | null | undefined, beside?: () => void): Promise<DiffEntry[]> {
    const args = ['diff-index', '--cached', '-z', '--no-renames', '--relative', snapshot.tree, '--', ...this.pathspecs()];
    const out = await this.withIndex(signal, (call) => this.git(args, { ...call, okCodes: [0, 128] }), beside);
    if (out.exitCode !== 0) {
      await this.requireTree(snapshot);
      throw gitFailure(args, this.workspace, out.exitCode, out.stderr);
    }
    const parts = out.stdout.toString('utf8').split('\0');
    const entries: DiffEntry[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(parts[i]);
      if (!m) continue;
      entries.push({ srcMode: m[1], dstMode: m[2], srcSha: m[3], dstSha: m[4], status: m[5], path: parts[i + 1] });
    }
    return entries;
  }

  private async requireTree(snapshot: Snapshot): Promise<void> {
    const ok = await this.git(['cat-file', '-e', `${snapshot.tree}^{tree}`], { okCodes: [0, 1, 128], signal: null });
    if (ok.exitCode !== 0) {
      throw new SmokesError(
        'snapshot',
        `The snapshot "${snapshot.name}" (${snapshot.commit.slice(0, 12)}) is no longer in the repository.`,
        `Its ref ${this.ref(snapshot.name)} may have been deleted; nothing was changed.`,
      );
    }
  }

  /**
   * Blob contents by id, read in one `git cat-file --batch` (started at once when the ids are still to come).
   * A missing one is an error, or with `missingOk` left out of the map.
   */
  private async readBlobs(ids: string[] | Promise<string[]>, o: { missingOk?: boolean } = {}): Promise<Map<string, Buffer>> {
    const blobs = new Map<string, Buffer>();
    if (Array.isArray(ids) && ids.length === 0) return blobs;
    const list = Promise.resolve(ids).then((l) => [...new Set(l)]);
    const input = list.then((l) => (l.length ? l.join('\n') + '\n' : ''));
    const out = (await this.git(['cat-file', '--batch'], { input, signal: null })).stdout;
    const unique = await list;
    let pos = 0;
    for (const id of unique) {
      const nl = out.indexOf(0x0a, pos);
      const header = out.subarray(pos, nl).toString('utf8');
      const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
      if (m?.[2] !== 'blob' && !o.missingOk) {
        throw new SmokesError('snapshot', `The snapshot is missing the content of a file (${id}: ${header}).`, 'The repository may be damaged; run `git fsck`.');
      }
      // "<id> missing" (or ambiguous) has no content after it; another type's content is passed over.
      const size = m ? Number(m[3]) : -1;
      if (m?.[2] === 'blob') blobs.set(id, Buffer.from(out.subarray(nl + 1, nl + 1 + size)));
      pos = nl + 1 + size + 1;
    }
    return blobs;
  }

  /** Parent directories for a file to restore; a file or symlink in the way (not in the snapshot) goes. */
  private async makeParentDirs(abs: string): Promise<void> {
    const parts = dirname(abs).slice(this.workspace.length).split(sep).filter(Boolean);
    let current = this.workspace;
    for (const part of parts) {
      current = join(current, part);
      const st = await lstat(current).catch(() => null);
      if (st?.isDirectory()) continue;
      if (st) await unlink(current);
      await mkdir(current);
    }
  }

}

interface DiffEntry {
  srcMode: string;
  dstMode: string;
  srcSha: string;
  dstSha: string;
  status: string;
  /** Workspace-relative. */
  path: string;
}

/** Both results, once both processes have ended (one still running may still write our index). */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

/** `fn` over the items, at most `limit` at a time; after a failure no new item starts, and it is thrown once all have ended. */
async function eachAtMost<T>(limit: number, items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (failures.length === 0 && next < items.length) {
      const item = items[next++];
      await fn(item).catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

/** Names whose mention in `git add --verbose` makes a look necessary: every path a look can find contains one. */
const LOOKED_FOR = [...SNAPSHOT_EXCLUDES, ...EXCLUDED_DIR_NAMES, '.gitattributes'];

function indexIdentity(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

/** A workspace-relative path that `excludedPathspecs` matches. */
function isExcludedPath(path: string): boolean {
  return SNAPSHOT_EXCLUDES.some((e) => path === e || path.startsWith(`${e}/`)) || EXCLUDED_DIR_NAMES.some((d) => `/${path}`.includes(`/${d}/`));
}

function gitFileMode(mode: number): string {
  return mode & 0o100 ? '100755' : '100644';
}

function isFileState(v: unknown): v is FileState {
  if (v === null) return true;
  const o = v as { sha?: unknown; mode?: unknown };
  return typeof o === 'object' && typeof o.sha === 'string' && typeof o.mode === 'string';
}

function isLoopWrite(v: unknown): v is LoopWrite {
  const o = v as Partial<LoopWrite> | null;
  return (
    typeof o === 'object' && o !== null && typeof o.path === 'string' && !o.path.startsWith('/') && !o.path.split('/').includes('..') && isFileState(o.before) && isFileState(o.after)
  );
}

function slug(text: string): string {
  const readable = text.replace(/\/+$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  const hash = createHash('sha1').update(text).digest('hex').slice(0, 8);
  return readable ? `${readable}-${hash}` : hash;
}

/** Is the workspace folder itself ignored by the repository around it? Then the repository cannot hold it. */
async function workspaceIgnored(top: string, prefix: string): Promise<boolean> {
  if (prefix === '') return false;
  const out = await runGit([], ['check-ignore', '-q', '--', prefix.replace(/\/$/, '')], { cwd: top, okCodes: [0, 1, 128] });
  return out.exitCode === 0;
}

function gitEnv(index?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of GIT_ENV_DROP) delete env[k];
  // With our index (see `runGit`): no system attributes file.
  if (index) env.GIT_ATTR_NOSYSTEM = '1';
  env.GIT_OPTIONAL_LOCKS = '0'; // `status` must not rewrite the user's index
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = 'Smokes Fixer';
  env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = 'smokes-fixer@localhost';
  if (index) env.GIT_INDEX_FILE = index;
  return env;
}

/**
 * One git process. Spawned directly rather than through execa: a snapshot runs several in a row, and the
 * wrapper's own cost per process (about 1.3 ms) was a tenth of a snapshot of a small repository.
 */
function runGit(base: string[], args: string[], call: GitCall & { cwd: string }): Promise<GitResult> {
  const signal = call.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  // Building our index, attributes come from the repository's own files alone: the global ones (configured
  // or XDG) and the system's would have `git add` convert bytes, and finding out whether any exist would
  // cost a `git config` per snapshot. Of the commands run with our index only `add` and `check-attr` read
  // attributes; diffs, status and reset run without it and see every attributes file, as the user's git does.
  const attributes = call.index ? ['-c', 'core.attributesFile='] : [];
  return new Promise<GitResult>((resolvePromise, reject) => {
    const child = spawn('git', [...GIT_CONFIG, ...attributes, ...base, ...args], {
      cwd: call.cwd,
      env: gitEnv(call.index),
      stdio: [call.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: Error | null = null;
    const kill = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', kill, { once: true });
    child.stdout!.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) {
        failure ??= new SmokesError('snapshot', `git ${args[0]} printed more than ${MAX_OUTPUT} bytes in ${call.cwd}.`, 'Check that the repository is healthy (`git status`, `git fsck`).');
        kill();
      } else out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    if (child.stdin) {
      // A git that exits before reading its input (a failure) closes the pipe: its exit code tells.
      child.stdin.on('error', () => {});
      Promise.resolve(call.input).then(
        (data) => child.stdin!.end(data),
        () => child.stdin!.end(),
      );
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      failure ??=
        error.code === 'ENOENT' && existsSync(call.cwd)
          ? new SmokesError('git', 'git is not installed or not on the PATH; snapshots and rollback need it.', 'Install git, then run again.', { cause: error })
          : new SmokesError('snapshot', `git ${args[0]} could not start in ${call.cwd}: ${error.message}`, 'Check that the folder exists and is readable.', { cause: error });
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) return reject(abortReason(signal));
      if (failure) return reject(failure);
      const stdout = Buffer.concat(out);
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const exitCode = code ?? -1;
      if (!(call.okCodes ?? [0]).includes(exitCode)) return reject(gitFailure(args, call.cwd, exitCode, stderr));
      resolvePromise({ stdout, stderr, exitCode });
    });
  });
}

function gitFailure(args: string[], cwd: string, exitCode: number, stderr: string): SmokesError {
  return new SmokesError(
    'snapshot',
    `git ${args[0]} failed${exitCode >= 0 ? ` (exit ${exitCode})` : ' (killed)'} in ${cwd}: ${stderr || 'no output'}`,
    'Check that the folder is readable and the repository is healthy (`git status`, `git fsck`).',
  );
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new SmokesError('cancelled', 'The snapshot was cancelled.');
}
