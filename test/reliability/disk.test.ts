import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeWorkspace, treeBytes } from '../integration/helpers/workspace';
import { Figures } from './figures';
import { buildCli, projectWith, runCli } from './harness';

// The disk refusing writes: `artifacts` that is a file, a dangling symlink, a read-only mount, and a disk
// that fills up while the loop writes its artifacts. Each is a clear error naming the path and the cause,
// and the working tree is byte for byte what it was.
//
// Tests run as root here, so chmod does not stop a write: read-only and full disks are real mounts (a
// read-only bind mount, a small tmpfs) when the machine allows mounting; otherwise those two cases fall
// back to what any user can set up (a file, a dangling link), which the first tests cover anyway.

const figures = new Figures('disk');
const made: string[] = [];
const mounts: string[] = [];
beforeAll(() => buildCli(), 120_000);
afterEach(async () => {
  while (mounts.length) spawnSync('umount', ['-l', mounts.pop()!]);
  while (made.length) await removeWorkspace(made.pop()!);
});
afterAll(() => figures.write());

const PROJECT = {
  'pytest.ini': '[pytest]\n',
  'calc.py': 'def add(a, b):\n    return a - b\n',
  'tests/smoke/test_smoke_add.py': 'from calc import add\n\n\ndef test_smoke_add():\n    assert add(2, 3) == 5\n',
};
// A patch that fixes the test, so a run that goes on would write to the tree.
const PRODUCER = `printf '%s\\n' '--- a/calc.py' '+++ b/calc.py' '@@ -1,2 +1,2 @@' ' def add(a, b):' '-    return a - b' '+    return a + b'`;

function canMount(): boolean {
  return spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r']).status === 0;
}

async function runAndCompare(name: string, dir: string, expected: RegExp, o: { exits?: number[] } = {}) {
  const before = await treeBytes(dir);
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' });
  const r = await runCli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', PRODUCER]);
  const after = await treeBytes(dir);
  figures.tried();
  figures.compared(Object.keys(before).length);
  if (JSON.stringify(after) !== JSON.stringify(before)) figures.failed('lost', `${name}: the working tree changed`);
  expect(after, name).toEqual(before);
  expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' })).toBe(head);
  expect(o.exits ?? [2], r.stderr).toContain(r.code);
  expect(r.stderr).toMatch(expected);
  // Never a bare stack trace or a raw errno line without a hint.
  expect(r.stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
  return r;
}

describe('disk: the artifacts folder cannot be written', () => {
  it('`artifacts` is a file: a clear error before anything runs, the tree (and that file) untouched', async () => {
    const dir = await projectWith(PROJECT);
    made.push(dir);
    await writeFile(join(dir, 'artifacts'), 'my notes, not a folder\n');
    const r = await runAndCompare('artifacts is a file', dir, /Cannot write .*artifacts: a file stands where the folder should be/);
    expect(r.stderr).toMatch(/writable folder/);
    expect(readFileSync(join(dir, 'artifacts'), 'utf8')).toBe('my notes, not a folder\n');
  }, 300_000);

  it('`artifacts` is a dangling symbolic link: a clear error, the tree untouched', async () => {
    const dir = await projectWith(PROJECT);
    made.push(dir);
    await symlink('/nonexistent/sf-artifacts-target', join(dir, 'artifacts'));
    await runAndCompare('artifacts is a dangling link', dir, /Cannot write .*artifacts: /);
  }, 300_000);

  it('`artifacts` is on a read-only mount: a clear error, the tree untouched', async () => {
    const dir = await projectWith(PROJECT);
    made.push(dir);
    await mkdir(join(dir, 'artifacts'));
    await writeFile(join(dir, 'artifacts', 'old.txt'), 'from an earlier run\n');
    if (canMount()) {
      execFileSync('mount', ['--bind', '-o', 'ro', join(dir, 'artifacts'), join(dir, 'artifacts')]);
      mounts.push(join(dir, 'artifacts'));
      // bind + ro needs a remount on some kernels
      spawnSync('mount', ['-o', 'remount,bind,ro', join(dir, 'artifacts')]);
      await runAndCompare('artifacts read-only', dir, /Cannot write .*artifacts: the file system is read-only \(EROFS\)/);
    } else {
      await rm(join(dir, 'artifacts'), { recursive: true });
      await writeFile(join(dir, 'artifacts'), 'x\n');
      await runAndCompare('artifacts read-only (fallback: a file)', dir, /Cannot write .*artifacts/);
    }
  }, 300_000);

  it('the disk fills up while the loop writes its artifacts: a clear error, the tree untouched, no patch left applied', async () => {
    const dir = await projectWith(PROJECT);
    made.push(dir);
    await mkdir(join(dir, 'artifacts'));
    if (!canMount()) {
      // Without mounts the full disk cannot be made here; the file case above stands in for it.
      await writeFile(join(dir, 'artifacts', 'x'), '');
      await rm(join(dir, 'artifacts'), { recursive: true });
      await writeFile(join(dir, 'artifacts'), 'x\n');
      await runAndCompare('disk full (fallback: a file)', dir, /Cannot write .*artifacts/);
      return;
    }
    // 256 KiB of tmpfs with all but ~24 KiB taken: the write check passes, the JUnit XML, the HTML report
    // and the run log fill the rest during the baseline.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', join(dir, 'artifacts')]);
    mounts.push(join(dir, 'artifacts'));
    spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'artifacts', 'filler')}`, 'bs=1k', 'count=232'], { stdio: 'ignore' });
    // Exit 2 when Smokes Fixer's own write fails, 1 when pytest's does first (pytest reports it itself).
    await runAndCompare('disk full', dir, /disk is full|No space left on device|ENOSPC/, { exits: [1, 2] });
    expect(existsSync(join(dir, 'artifacts', 'filler'))).toBe(true);
  }, 300_000);
});
