import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calcDiff, FIXTURES, git, makeWorkspace, treeBytes } from '../integration/helpers/workspace';

export const ROOT = join(__dirname, '..', '..');
export const SCRIPTED_PRODUCER = join(FIXTURES, 'producers', 'scripted-producer.py');

/** A file the fixture commits and a patch may delete. */
const LEGACY = 'calc/legacy.py';

/** A patch that fixes nothing, creates a file and deletes one: every kind of write a revert must undo. */
export const NOOP_WIDE =
  calcDiff('    return f"value={value}"', '    return "value=" + str(value)') +
  ['diff --git a/calc/helper.py b/calc/helper.py', 'new file mode 100644', '--- /dev/null', '+++ b/calc/helper.py', '@@ -0,0 +1,1 @@', '+HELPER = 1', ''].join('\n') +
  [`diff --git a/${LEGACY} b/${LEGACY}`, 'deleted file mode 100644', `--- a/${LEGACY}`, '+++ /dev/null', '@@ -1,1 +0,0 @@', '-OLD = 1', ''].join('\n');
export const FIX_ADD = calcDiff('    return a - b', '    return a + b');
export const FIX_DIV = calcDiff('    return a // b', '    return a / b');
/** Breaks mul (a regression) and creates a file, so a rollback has two files to put back. */
export const BREAK_MUL_WIDE =
  calcDiff('    return a * b', '    return a * b + 1') +
  ['diff --git a/calc/extra.py b/calc/extra.py', 'new file mode 100644', '--- /dev/null', '+++ b/calc/extra.py', '@@ -0,0 +1,1 @@', '+EXTRA = 1', ''].join('\n');

export type Tree = Record<string, string>;

/**
 * The calc fixture as a git repository with the user's own uncommitted work in it: an edited README, an
 * untracked notes file, and files the "other process" will delete later. The producer's script is
 * written outside the workspace.
 */
export async function userWorkspace(answers: string[]): Promise<{ dir: string; script: string }> {
  const dir = await makeWorkspace('pyproj-loop', { git: false });
  await writeFile(join(dir, LEGACY), 'OLD = 1\n');
  await writeFile(join(dir, 'README.md'), '# calc\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'fixture');
  // Uncommitted work from before the loop.
  await writeFile(join(dir, 'README.md'), '# calc\n\nEdited before the loop.\n');
  await writeFile(join(dir, 'NOTES.md'), 'notes\n');
  await mkdir(join(dir, 'user'), { recursive: true });
  for (const step of STEPS) await writeFile(join(dir, 'user', `old-${step}.txt`), `${step} old\n`);
  const script = join(dir, '..', `${dir.split('/').pop()}-answers.json`);
  await writeFile(script, JSON.stringify(answers));
  return { dir, script };
}

export const STEPS = ['baseline', 'producer', 'review', 'verification', 'judged', 'rollback', 'pause'] as const;
export type Step = (typeof STEPS)[number];

/**
 * What "another process" does at a step: edits a file, creates one, deletes one. Run as a separate
 * process (sh), synchronously, so it lands exactly at that step.
 */
export function otherProcessEdits(dir: string, step: Step, o: { alsoEdit?: string } = {}): void {
  execFileSync('sh', ['-c', editScript(step, o)], { cwd: dir });
}

export function editScript(step: Step, o: { alsoEdit?: string } = {}): string {
  return [
    `printf '%s\\n' 'line from ${step}' >> NOTES.md`,
    'mkdir -p scratch',
    `printf '%s\\n' '${step}' > scratch/new-${step}.txt`,
    `rm user/old-${step}.txt`,
    ...(o.alsoEdit ? [`printf '%s\\n' '# theirs, at ${step}' >> ${o.alsoEdit}`] : []),
  ].join(' && ');
}

/** The tree expected after those edits, from the tree before the loop. */
export function expectedAfter(before: Tree, steps: Step[]): Tree {
  const tree: Tree = { ...before };
  const text = (rel: string) => Buffer.from(tree[rel]!.split(':')[1]!, 'base64').toString('utf8');
  const put = (rel: string, content: string) => (tree[rel] = `644:${Buffer.from(content).toString('base64')}`);
  for (const step of steps) {
    put('NOTES.md', `${text('NOTES.md')}line from ${step}\n`);
    put(`scratch/new-${step}.txt`, `${step}\n`);
    delete tree[`user/old-${step}.txt`];
  }
  return tree;
}

/** Compares two trees file by file; returns the number of files compared and the paths that differ. */
export function compareTrees(actual: Tree, expected: Tree): { compared: number; differing: string[] } {
  const paths = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort();
  return { compared: paths.length, differing: paths.filter((p) => actual[p] !== expected[p]) };
}

export { treeBytes };

export { Figures } from './figures';
