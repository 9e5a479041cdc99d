// `gen N DIR`: a git repository of N files (folders of 100), committed, with three uncommitted user
// edits. `run DIR`: what a loop does to it: the start snapshot, a checkpoint, a 5-file patch, and the
// rollback to the start. Prints one JSON line of milliseconds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotStore } from '../../src/core/snapshot';

const [mode, count, dir] = process.argv.slice(2);
const files = Number(count);
const file = (i: number) => join(dir, `pkg${Math.floor(i / 100)}`, `m${i % 100}.py`);

if (mode === 'gen') {
  for (let i = 0; i < files; i++) {
    if (i % 100 === 0) mkdirSync(join(dir, `pkg${Math.floor(i / 100)}`), { recursive: true });
    writeFileSync(file(i), `# module ${i}\n${'value = compute(1, 2)\n'.repeat(20)}`);
  }
  const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b.invalid' };
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  // No background `git gc --auto` running beside the timings.
  execFileSync('git', ['-c', 'gc.auto=0', 'commit', '-qm', 'bench'], { cwd: dir, env });
  // The user's uncommitted work, which every snapshot must keep.
  for (const i of [1, 2, 3]) writeFileSync(file(i), `# edited by the user\n${readFileSync(file(i), 'utf8')}`);
  process.exit(0);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return [value, Number(process.hrtime.bigint() - t) / 1e6];
}

async function main(): Promise<void> {
  const [store, openMs] = await timed(() => SnapshotStore.open(dir));
  const [start, takeMs] = await timed(() => store.take('start'));
  const [, checkpointMs] = await timed(() => store.take('attempt-1'));
  const patched = [10, 20, 30, 40, 50].map((i) => Math.min(i, files - 1));
  for (const i of patched) writeFileSync(file(i), `# patched\n${readFileSync(file(i), 'utf8')}`);
  const [restored, rollbackMs] = await timed(() => store.restore(start));
  if (restored.written.length !== patched.length) throw new Error(`rollback wrote ${restored.written.length} files, expected ${patched.length}`);
  if (!readFileSync(file(1), 'utf8').startsWith('# edited by the user')) throw new Error('the rollback lost a user edit');
  console.log(JSON.stringify({ files, openMs, takeMs, checkpointMs, rollbackMs, written: restored.written.length }));
}
void main();
