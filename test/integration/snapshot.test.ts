import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { git } from './helpers/workspace';
import { SnapshotStore } from '../../src/core/snapshot';
import { SmokesError } from '../../src/core/errors';

// Expected file modes below are written for the common umask.
beforeAll(() => {
  process.umask(0o022);
});

const made: string[] = [];
afterEach(async () => {
  while (made.length) await rm(made.pop()!, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-snapshot-'));
  made.push(dir);
  return dir;
}

async function put(dir: string, rel: string, data: string | Buffer, mode?: number): Promise<void> {
  await mkdir(dirname(join(dir, rel)), { recursive: true });
  await writeFile(join(dir, rel), data);
  if (mode !== undefined) await chmod(join(dir, rel), mode);
}

/** Every entry under `dir` (ignored files too): mode, symlink target or bytes. `.git` and the private dir apart. */
async function tree(dir: string, skip = /^(\.git|\.smokes-fixer)(\/|$)/): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string): Promise<void> {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      const rel = relative(dir, full);
      if (skip.test(rel)) continue;
      const st = await lstat(full);
      if (st.isSymbolicLink()) out[rel] = `link:${await readlink(full)}`;
      else if (st.isDirectory()) {
        out[`${rel}/`] = 'dir';
        await walk(full);
      } else out[rel] = `${(st.mode & 0o777).toString(8)}:${(await readFile(full)).toString('base64')}`;
    }
  }
  await walk(dir);
  return out;
}

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A repository with history, then a working tree as dirty as a user leaves it. */
async function dirtyRepo(): Promise<string> {
  const dir = await tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  await put(dir, '.gitignore', '*.log\n/build/\n');
  await put(dir, 'src/app.py', 'def add(a, b):\n    return a + b\n');
  await put(dir, 'src/util.py', 'HELPER = 1\n');
  await put(dir, 'src/staged.py', 'VERSION = 1\n');
  await put(dir, 'run.sh', '#!/bin/sh\necho hi\n', 0o755);
  await put(dir, 'crlf.txt', 'one\r\ntwo\r\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');

  // The user's own uncommitted work.
  await put(dir, 'src/app.py', 'def add(a, b):\n    # my local edit\n    return a + b\n');
  await put(dir, 'src/staged.py', 'VERSION = 2\n');
  git(dir, 'add', 'src/staged.py');
  await put(dir, 'src/staged.py', 'VERSION = 3  # edited again after staging\n');
  await put(dir, 'notes/todo.md', '- fix the thing\n');
  await put(dir, 'win.txt', 'line one\r\nline two\r\nno final newline');
  await put(dir, 'tools/new.sh', '#!/bin/sh\nexit 0\n', 0o755);
  await symlink('src/app.py', join(dir, 'app-link'));
  await put(dir, 'debug.log', 'ignored before\n');
  await put(dir, 'build/out.bin', Buffer.from([0, 1, 2, 255]));
  return dir;
}

/** What a patch (and a test run) does to the tree after the snapshot. */
async function scribble(dir: string): Promise<void> {
  await put(dir, 'src/app.py', 'def add(a, b):\n    return a - b\n');
  await unlink(join(dir, 'src/util.py'));
  await put(dir, 'src/new_module.py', 'NEW = True\n');
  await put(dir, 'pkg/deep/er/x.py', 'X = 1\n');
  await chmod(join(dir, 'run.sh'), 0o644);
  await chmod(join(dir, 'crlf.txt'), 0o755);
  await put(dir, 'win.txt', 'line one\nline two\n');
  await rm(join(dir, 'notes'), { recursive: true });
  await unlink(join(dir, 'app-link'));
  await put(dir, 'app-link', 'now a regular file\n');
  await put(dir, 'tools/new.sh', '#!/bin/sh\nexit 1\n');
  // Ignored files and the run's own output: restore must leave these as they are now.
  await put(dir, 'debug.log', 'ignored, changed after the snapshot\n');
  await put(dir, 'after.log', 'ignored, created after the snapshot\n');
  await put(dir, 'artifacts/smoke.xml', '<testsuites/>\n');
  await put(dir, 'requirements.snapshot.txt', 'pytest==9.0.3\n');
  await put(dir, 'src/__pycache__/app.cpython-311.pyc', Buffer.from([1, 2, 3]));
}

function withoutRunOutput(t: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(t).filter(([k]) => !/^(artifacts|requirements\.snapshot\.txt|debug\.log|after\.log|src\/__pycache__)/.test(k)));
}

describe('SnapshotStore in a git repository', () => {
  it('rolls a dirty tree back byte for byte without touching the index, HEAD, stash or ignored files', async () => {
    const dir = await dirtyRepo();
    const before = await tree(dir);
    const indexBefore = sha(await readFile(join(dir, '.git/index')));
    const stagedBefore = git(dir, 'diff', '--cached', '--binary');
    const headBefore = git(dir, 'rev-parse', 'HEAD');
    const statusBefore = git(dir, 'status', '--porcelain');

    const store = await SnapshotStore.open(dir);
    expect(store.mode).toBe('git');
    expect(await store.isClean()).toBe(false);
    expect(await store.headSha()).toBe(headBefore.trim());
    const snap = await store.take('start');
    expect(snap.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git(dir, 'rev-parse', 'refs/smokes-fixer/start').trim()).toBe(snap.commit);
    expect(sha(await readFile(join(dir, '.git/index')))).toBe(indexBefore);

    await scribble(dir);
    const since = await store.diffSince(snap);
    const changed = since.files.map((f) => f.path).sort();
    expect(changed).toEqual(
      ['app-link', 'crlf.txt', 'notes/todo.md', 'pkg/deep/er/x.py', 'run.sh', 'src/app.py', 'src/new_module.py', 'src/util.py', 'tools/new.sh', 'win.txt'].sort(),
    );
    const diff = since.diff;
    expect(diff).toContain('+    return a - b');
    expect(diff).toContain('deleted file mode 100644');
    expect(diff).not.toContain('smoke.xml');
    const ignoredAfter = { debug: await readFile(join(dir, 'debug.log'), 'utf8'), after: await readFile(join(dir, 'after.log'), 'utf8') };

    const result = await store.restore(snap);
    expect(result.removed).toEqual(['pkg/deep/er/x.py', 'src/new_module.py']);
    expect(result.written).toEqual(['app-link', 'crlf.txt', 'notes/todo.md', 'run.sh', 'src/app.py', 'src/util.py', 'tools/new.sh', 'win.txt']);

    const after = await tree(dir);
    expect(withoutRunOutput(after)).toEqual(withoutRunOutput(before));
    expect(after['pkg/']).toBeUndefined(); // directories the patch created are gone
    expect(after['run.sh']).toMatch(/^755:/);
    expect(after['app-link']).toBe('link:src/app.py');
    expect(await readFile(join(dir, 'win.txt'), 'utf8')).toBe('line one\r\nline two\r\nno final newline');
    // Ignored files and the run's output are untouched.
    expect(await readFile(join(dir, 'debug.log'), 'utf8')).toBe(ignoredAfter.debug);
    expect(await readFile(join(dir, 'after.log'), 'utf8')).toBe(ignoredAfter.after);
    expect(existsSync(join(dir, 'artifacts/smoke.xml'))).toBe(true);
    expect(existsSync(join(dir, 'requirements.snapshot.txt'))).toBe(true);
    expect(after['build/out.bin']).toBe(before['build/out.bin']);
    // The user's index (staged change included), HEAD and status are as they were.
    expect(sha(await readFile(join(dir, '.git/index')))).toBe(indexBefore);
    expect(git(dir, 'diff', '--cached', '--binary')).toBe(stagedBefore);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(headBefore);
    expect(git(dir, 'stash', 'list')).toBe('');
    expect(git(dir, 'status', '--porcelain').split('\n').filter((l) => !/artifacts|requirements|__pycache__/.test(l)).join('\n')).toBe(statusBefore);

    // A second restore finds nothing to do.
    expect(await store.restore(snap)).toEqual({ written: [], removed: [] });
  });

  it('keeps bytes that .gitattributes would convert (text=auto, eol=crlf)', async () => {
    const dir = await tempDir();
    git(dir, 'init', '-q');
    await put(dir, '.gitattributes', '* text=auto\n*.bat text eol=crlf\n');
    await put(dir, 'tracked.txt', 'a\nb\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'attrs');
    await put(dir, 'untracked-crlf.txt', 'x\r\ny\r\n');
    await put(dir, 'lf.bat', 'echo lf only\n');
    const before = await tree(dir);
    const store = await SnapshotStore.open(dir);
    const snap = await store.take('start');
    await put(dir, 'untracked-crlf.txt', 'changed\n');
    await put(dir, 'lf.bat', 'changed\n');
    await put(dir, 'tracked.txt', 'changed\n');
    await store.restore(snap);
    expect(await tree(dir)).toEqual(before);
  });

  it('keeps raw bytes under a .gitattributes in a subfolder only, and leaves the run output and caches out of the tree', async () => {
    const dir = await tempDir();
    git(dir, 'init', '-q');
    await put(dir, 'docs/.gitattributes', '*.txt text eol=crlf\n');
    await put(dir, 'docs/a.txt', 'one\ntwo\n');
    await put(dir, 'top.py', 'X = 1\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'nested attrs');
    const store = await SnapshotStore.open(dir);
    // Neither ignored nor committed: the run's output and Python's cache must still stay out of snapshots.
    await put(dir, 'artifacts/smoke.xml', '<testsuites/>\n');
    await put(dir, 'pkg/__pycache__/m.cpython-311.pyc', Buffer.from([1, 2, 3]));
    await put(dir, 'docs/b.txt', 'crlf\r\nonly\r\n');
    const first = await store.take('start');
    // The second snapshot starts from the first one's index: a file changed since must still be kept raw.
    await put(dir, 'docs/a.txt', 'three\r\nfour\n');
    const before = await tree(dir);
    const second = await store.take('attempt-1');
    const listed = git(dir, 'ls-tree', '-r', '--name-only', second.tree).trim().split('\n').sort();
    expect(listed).toEqual(['docs/.gitattributes', 'docs/a.txt', 'docs/b.txt', 'top.py']);
    expect(git(dir, 'ls-tree', '-r', '--name-only', first.tree).trim().split('\n').sort()).toEqual(listed);
    await put(dir, 'docs/a.txt', 'patched\n');
    await put(dir, 'docs/b.txt', 'patched\n');
    await store.restore(second);
    expect(await tree(dir)).toEqual(before);
    expect(await readFile(join(dir, 'docs/a.txt'), 'utf8')).toBe('three\r\nfour\n');
  });

  it('keeps raw bytes that global attributes files (configured, XDG) or a linked worktree\'s info/attributes would convert', async () => {
    const home = await tempDir();
    await put(home, 'xdg/git/attributes', '*.txt text eol=lf\n');
    await put(home, 'configured-attributes', '*.md text eol=lf\n');
    await put(home, 'gitconfig', `[core]\n\tattributesFile = ${join(home, 'configured-attributes')}\n`);
    const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL };
    process.env.XDG_CONFIG_HOME = join(home, 'xdg');
    try {
      for (const configured of [false, true]) {
        if (configured) process.env.GIT_CONFIG_GLOBAL = join(home, 'gitconfig');
        const dir = await tempDir();
        git(dir, 'init', '-q');
        await put(dir, 'a.txt', 'one\r\ntwo\r\n');
        await put(dir, 'b.md', 'three\r\nfour\r\n');
        const before = await tree(dir);
        const store = await SnapshotStore.open(dir);
        const snap = await store.take('start');
        for (const f of ['a.txt', 'b.md']) {
          expect(git(dir, 'rev-parse', `${snap.tree}:${f}`)).toBe(git(dir, 'hash-object', '--no-filters', f));
          await put(dir, f, 'patched\n');
        }
        await store.restore(snap);
        expect(await tree(dir)).toEqual(before);
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }

    // info/attributes lives in the common git dir, which a linked worktree shares.
    const main = await tempDir();
    git(main, 'init', '-q');
    await put(main, 'keep.py', 'X = 1\n');
    git(main, 'add', '-A');
    git(main, 'commit', '-q', '-m', 'one');
    await put(main, '.git/info/attributes', '*.txt text eol=lf\n');
    const linked = join(await tempDir(), 'wt');
    git(main, 'worktree', 'add', '-q', linked);
    await put(linked, 'c.txt', 'five\r\nsix\r\n');
    const before = await tree(linked, /^\.git$/);
    const store = await SnapshotStore.open(linked);
    const snap = await store.take('start');
    await put(linked, 'c.txt', 'patched\n');
    await store.restore(snap);
    expect(await tree(linked, /^\.git$/)).toEqual(before);
  });

  it('notices attributes files and the run output that appear between snapshots, whatever the record beside its index says', async () => {
    const dir = await tempDir();
    git(dir, 'init', '-q');
    await put(dir, 'a.py', 'A = 1\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'one');
    const store = await SnapshotStore.open(dir);
    const listed = (s: { tree: string }) => git(dir, 'ls-tree', '-r', '--name-only', s.tree).trim().split('\n').sort();
    const raw = (s: { tree: string }, f: string) => expect(git(dir, 'rev-parse', `${s.tree}:${f}`)).toBe(git(dir, 'hash-object', '--no-filters', f));
    await store.take('s1');

    await put(dir, 'sub/.gitattributes', '*.txt text eol=lf\n');
    await put(dir, 'sub/w.txt', 'one\r\ntwo\r\n');
    await put(dir, 'pkg/__pycache__/m.cpython-311.pyc', Buffer.from([1, 2, 3]));
    await put(dir, 'artifacts/out.xml', '<testsuites/>\n');
    const s2 = await store.take('s2');
    expect(listed(s2)).toEqual(['a.py', 'sub/.gitattributes', 'sub/w.txt']);
    raw(s2, 'sub/w.txt');

    // Only a converted file changes: the add names no attributes file, the record says there is one.
    await put(dir, 'sub/w.txt', 'three\r\nfour\r\n');
    const s3 = await store.take('s3');
    raw(s3, 'sub/w.txt');

    for (const record of ['{"index":"0:0:0:0","attributes":false}', '{"cut', '']) {
      await writeFile(join(dir, '.git/smokes-fixer/index.look'), record);
      expect((await (await SnapshotStore.open(dir)).take('s4')).tree).toBe(s3.tree);
    }
  });

  it('works in a repository with no commits yet', async () => {
    const dir = await tempDir();
    git(dir, 'init', '-q');
    await put(dir, 'a.py', 'A = 1\n');
    await put(dir, 'b.py', 'B = 1\n');
    git(dir, 'add', 'a.py');
    const before = await tree(dir);
    const indexBefore = sha(await readFile(join(dir, '.git/index')));
    const store = await SnapshotStore.open(dir);
    expect(await store.headSha()).toBeNull();
    const snap = await store.take('start');
    await put(dir, 'a.py', 'A = 2\n');
    await unlink(join(dir, 'b.py'));
    await put(dir, 'c.py', 'C = 1\n');
    await store.restore(snap);
    expect(await tree(dir)).toEqual(before);
    expect(sha(await readFile(join(dir, '.git/index')))).toBe(indexBefore);
    expect(() => git(dir, 'rev-parse', '--verify', '-q', 'HEAD')).toThrow();
  });

  it('limits itself to a workspace that is a subfolder of the repository', async () => {
    const repo = await tempDir();
    git(repo, 'init', '-q');
    await put(repo, 'services/api/app.py', 'API = 1\n');
    await put(repo, 'services/web/app.py', 'WEB = 1\n');
    await put(repo, 'top.txt', 'top\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'two services');
    const ws = join(repo, 'services/api');
    await put(ws, 'local.py', 'LOCAL = 1\n');
    const before = await tree(ws);

    const store = await SnapshotStore.open(ws);
    expect(store.mode).toBe('git');
    const snap = await store.take('start');
    expect(store.ref('start')).toMatch(/^refs\/smokes-fixer\/ws\/services-api-[0-9a-f]{8}\/start$/);
    expect(git(repo, 'rev-parse', store.ref('start')).trim()).toBe(snap.commit);

    await put(ws, 'app.py', 'API = 2\n');
    await put(ws, 'created.py', 'X = 1\n');
    await put(repo, 'services/web/app.py', 'WEB = 2  # outside the workspace\n');
    await put(repo, 'outside-new.txt', 'new\n');
    const since = await store.diffSince(snap);
    expect(since.files.map((f) => f.path).sort()).toEqual(['app.py', 'created.py']);
    expect(since.diff).toContain('a/app.py');

    const result = await store.restore(snap);
    expect(result).toEqual({ written: ['app.py'], removed: ['created.py'] });
    expect(await tree(ws)).toEqual(before);
    // Outside the workspace nothing moved.
    expect(await readFile(join(repo, 'services/web/app.py'), 'utf8')).toBe('WEB = 2  # outside the workspace\n');
    expect(await readFile(join(repo, 'outside-new.txt'), 'utf8')).toBe('new\n');
  });

  it('survives git gc and restores after a simulated crash from the persisted state', async () => {
    const dir = await dirtyRepo();
    const before = await tree(dir);
    {
      const store = await SnapshotStore.open(dir);
      const start = await store.take('start');
      await store.saveLoopState({ running: true, startSnapshot: start, startedAt: start.createdAt, pid: 4242, runId: 'r1', writes: [] });
      await scribble(dir);
      // The process dies here: no restore, no state update.
    }
    git(dir, 'gc', '-q', '--prune=now');

    const fresh = await SnapshotStore.open(dir);
    const state = await fresh.loadLoopState();
    expect(state).toMatchObject({ running: true, pid: 4242, startSnapshot: { name: 'start' } });
    await fresh.restore(state!.startSnapshot!);
    expect(withoutRunOutput(await tree(dir))).toEqual(withoutRunOutput(before));

    // Without the state file the start ref alone still brings the tree back.
    await rm(join(dir, '.git/smokes-fixer/state.json'));
    await scribble(dir);
    const fromRef = await (await SnapshotStore.open(dir)).loadLoopState();
    expect(fromRef?.startSnapshot?.commit).toBe(state!.startSnapshot!.commit);
    await fresh.restore(fromRef!.startSnapshot!);
    expect(withoutRunOutput(await tree(dir))).toEqual(withoutRunOutput(before));
  });

  it('hardReset runs the literal reset and clean, keeping the run output and ignored files', async () => {
    const dir = await tempDir();
    git(dir, 'init', '-q');
    await put(dir, '.gitignore', '*.log\n');
    await put(dir, 'app.py', 'OK = 1\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'clean');
    await put(dir, 'keep.log', 'ignored\n');
    const store = await SnapshotStore.open(dir);
    await put(dir, 'artifacts/smoke.xml', '<testsuites/>\n'); // the run's output does not make a tree dirty
    expect(await store.isClean()).toBe(true);

    await put(dir, 'app.py', 'OK = 0\n');
    await put(dir, 'sub/new.py', 'NEW = 1\n');
    expect(await store.isClean()).toBe(false);
    await store.hardReset();
    expect(await readFile(join(dir, 'app.py'), 'utf8')).toBe('OK = 1\n');
    expect(existsSync(join(dir, 'sub'))).toBe(false);
    expect(existsSync(join(dir, 'keep.log'))).toBe(true);
    expect(existsSync(join(dir, 'artifacts/smoke.xml'))).toBe(true);
    expect(await store.isClean()).toBe(true);
  });

  it('reports a snapshot that no longer exists and stops on a cancelled signal', async () => {
    const dir = await dirtyRepo();
    const store = await SnapshotStore.open(dir);
    await expect(store.restore({ name: 'gone', commit: 'f'.repeat(40), tree: 'f'.repeat(40), createdAt: '' })).rejects.toMatchObject({ code: 'snapshot' });
    const controller = new AbortController();
    controller.abort(new SmokesError('cancelled', 'Cancelled by the user.'));
    const cancelled = await SnapshotStore.open(dir);
    const aborting = await SnapshotStore.open(dir, { signal: controller.signal }).catch((e: unknown) => e);
    expect(aborting).toMatchObject({ code: 'cancelled' });
    expect(cancelled.mode).toBe('git');
    await expect(store.take('bad name')).rejects.toBeInstanceOf(SmokesError);
  });
});

describe('SnapshotStore in a plain folder', () => {
  it('uses a private repository and restores exactly', async () => {
    const dir = await tempDir();
    await put(dir, '.gitignore', 'cache/\n');
    await put(dir, 'app.py', 'print("hi")\r\n');
    await put(dir, 'bin/tool', '#!/bin/sh\n', 0o755);
    await put(dir, 'cache/data', 'ignored\n');
    await put(dir, '.venv/pyvenv.cfg', 'home = /usr/bin\n');
    const before = await tree(dir);

    const store = await SnapshotStore.open(dir);
    expect(store.mode).toBe('private-git');
    expect(existsSync(join(dir, '.smokes-fixer/git/HEAD'))).toBe(true);
    expect(await store.isClean()).toBe(false);
    expect(await store.headSha()).toBeNull();
    const snap = await store.take('start');
    await store.saveLoopState({ running: true, startSnapshot: snap, startedAt: snap.createdAt, pid: 1, runId: 'r1', writes: [] });

    await put(dir, 'app.py', 'print("bye")\n');
    await chmod(join(dir, 'bin/tool'), 0o644);
    await put(dir, 'extra/new.py', 'N = 1\n');
    await put(dir, 'cache/data', 'ignored, changed\n');
    await put(dir, '.venv/lib/site.py', 'installed meanwhile\n'); // an environment is not source: left alone
    expect((await store.diffSince(snap)).files.map((f) => f.path).sort()).toEqual(['app.py', 'bin/tool', 'extra/new.py']);

    const state = await (await SnapshotStore.open(dir)).loadLoopState();
    expect(state?.startSnapshot?.commit).toBe(snap.commit);
    await store.restore(state!.startSnapshot!);
    const after = await tree(dir);
    expect({ ...after, 'cache/data': before['cache/data'], '.venv/lib/': undefined, '.venv/lib/site.py': undefined }).toEqual({ ...before, '.venv/lib/': undefined, '.venv/lib/site.py': undefined });
    expect(existsSync(join(dir, '.venv/lib/site.py'))).toBe(true);
    expect(await readFile(join(dir, 'cache/data'), 'utf8')).toBe('ignored, changed\n');
    await expect(store.hardReset()).rejects.toMatchObject({ code: 'snapshot' });
  });

  it('treats a workspace its parent repository ignores as a plain folder', async () => {
    const repo = await tempDir();
    git(repo, 'init', '-q');
    await put(repo, '.gitignore', 'scratch/\n');
    const ws = join(repo, 'scratch');
    await put(ws, 'a.py', 'A = 1\n');
    const store = await SnapshotStore.open(ws);
    expect(store.mode).toBe('private-git');
    const snap = await store.take('start');
    await put(ws, 'a.py', 'A = 2\n');
    await store.restore(snap);
    expect(await readFile(join(ws, 'a.py'), 'utf8')).toBe('A = 1\n');
  });
});
