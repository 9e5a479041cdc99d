import { cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { PatchProducer, PatchRequest, ProducerResult } from '../../../src/core/types';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures');

/** git with a fixed identity and no optional locks, for repositories made by tests. */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_OPTIONAL_LOCKS: '0',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });
}

/** A fresh copy of a fixture project in a temp folder, optionally a git repo with one commit. */
export async function makeWorkspace(fixture: string, o: { git?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sf-${fixture}-`));
  await cp(join(FIXTURES, fixture), dir, { recursive: true });
  if (o.git !== false) {
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'fixture');
  }
  return dir;
}

export async function removeWorkspace(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Every non-ignored file's bytes, for byte-for-byte comparisons of a tree. */
export async function treeBytes(dir: string, skip = /(^|\/)(\.git|artifacts|\.smokes-fixer|__pycache__|\.pytest_cache)(\/|$)|^requirements\.snapshot\.txt$/): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string): Promise<void> {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      const rel = relative(dir, full);
      if (skip.test(rel)) continue;
      if (entry.isDirectory()) await walk(full);
      else {
        const mode = (await stat(full)).mode & 0o777;
        out[rel] = `${mode.toString(8)}:${(await readFile(full)).toString('base64')}`;
      }
    }
  }
  await walk(dir);
  return out;
}

/**
 * A producer that hands out prepared answers in order and records every request it gets. It is a real
 * producer of the engine's interface (the loop cannot tell it from the command producer), used where a
 * test needs exact control over the patches.
 */
export class ScriptedProducer implements PatchProducer {
  readonly id = 'scripted';
  readonly label = 'a scripted producer';
  readonly requests: PatchRequest[] = [];

  constructor(private readonly answers: Array<string | ProducerResult | ((r: PatchRequest) => ProducerResult)>) {}

  async propose(request: PatchRequest): Promise<ProducerResult> {
    this.requests.push(request);
    const next = this.answers.shift();
    if (next === undefined) return { kind: 'exhausted', reason: 'no more prepared answers' };
    if (typeof next === 'function') return next(request);
    if (typeof next === 'string') return { kind: 'answer', text: next };
    return next;
  }
}

export async function write(dir: string, rel: string, text: string): Promise<void> {
  await writeFile(join(dir, rel), text);
}

export function calcDiff(from: string, to: string): string {
  return [
    'diff --git a/calc/__init__.py b/calc/__init__.py',
    '--- a/calc/__init__.py',
    '+++ b/calc/__init__.py',
    ...hunkFor(from, to),
  ].join('\n') + '\n';
}

const CALC_LINES = [
  '"""A tiny calculator whose smoke tests the loop repairs."""',
  '',
  '',
  'def add(a, b):',
  '    return a - b',
  '',
  '',
  'def mul(a, b):',
  '    return a * b',
  '',
  '',
  'def div(a, b):',
  '    return a // b',
  '',
  '',
  'def label(value):',
  '    return f"value={value}"',
];

/** One-line replacement hunk against the fixture's calc/__init__.py. */
function hunkFor(from: string, to: string): string[] {
  const index = CALC_LINES.indexOf(from);
  if (index < 0) throw new Error(`line not in fixture: ${from}`);
  const start = Math.max(0, index - 2);
  const end = Math.min(CALC_LINES.length, index + 3);
  const before = CALC_LINES.slice(start, index).map((l) => ` ${l}`);
  const after = CALC_LINES.slice(index + 1, end).map((l) => ` ${l}`);
  const count = end - start;
  return [`@@ -${start + 1},${count} +${start + 1},${count} @@`, ...before, `-${from}`, `+${to}`, ...after];
}

export const FIX_ADD = calcDiff('    return a - b', '    return a + b');
export const FIX_DIV = calcDiff('    return a // b', '    return a / b');
export const BREAK_MUL = calcDiff('    return a * b', '    return a * b + 1');
export const NOOP_LABEL = calcDiff('    return f"value={value}"', '    return "value=" + str(value)');
