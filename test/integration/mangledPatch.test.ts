// The whole loop with a command producer that answers as language models do (issue 13): the right fixes,
// written with `@@ @@` headers, wrong hunk counts and numbers, no `diff --git` line, prose around. The loop
// places them by their context, keeps them, and the CLI exits 0; the run log holds both versions.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeWorkspace, removeWorkspace } from './helpers/workspace';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

beforeAll(() => {
  execFileSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
}, 120_000);

const made: string[] = [];
afterEach(async () => {
  while (made.length) await removeWorkspace(made.pop()!);
});

// `@@ @@` with no numbers and no `diff --git` line.
const ADD = ['--- a/calc/__init__.py', '+++ b/calc/__init__.py', '@@ @@', ' def add(a, b):', '-    return a - b', '+    return a + b', ''].join('\n');
// Counts and numbers wrong, no git header, an empty context line with its space trimmed.
const DIV = ['--- a/calc/__init__.py', '+++ b/calc/__init__.py', '@@ -2,9 +2,12 @@', '', 'def div(a, b):', '-    return a // b', '+    return a / b', ''].join('\n').replace('\n\ndef div', '\n\n def div');

const PRODUCER = `import json, sys
request = json.load(sys.stdin)
name = request["target"]["nodeid"].split("::")[-1]
answers = ${JSON.stringify({ test_smoke_add: ADD, test_smoke_div: DIV })}
if name not in answers:
    sys.exit(3)
print("Sure! Here is the fix:\\n\\n\`\`\`diff\\n" + answers[name] + "\`\`\`\\n\\nThis should make the test pass.")
`;

describe('a command producer that writes diffs as language models do', () => {
  it('has its mangled but right patches placed by context and kept, and the run exits 0', async () => {
    const dir = await makeWorkspace('pyproj-loop');
    made.push(dir);
    const tools = await mkdtemp(join(tmpdir(), 'sf-mangled-producer-'));
    made.push(tools);
    await writeFile(join(tools, 'producer.py'), PRODUCER);

    const r = spawnSync('node', [CLI, 'run', '--cwd', dir, '--producer', 'command', '--producer-command', `python3 ${join(tools, 'producer.py')}`, '--json'], {
      cwd: ROOT,
      env: { ...process.env, ND_SMOKE: '' },
      encoding: 'utf8',
      input: '',
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.status).toBe('success');
    expect(summary.fixed.map((f: { nodeid: string }) => f.nodeid).sort()).toEqual(['tests/smoke/test_smoke_calc.py::test_smoke_add', 'tests/smoke/test_smoke_calc.py::test_smoke_div']);

    const source = await readFile(join(dir, 'calc/__init__.py'), 'utf8');
    expect(source).toContain('def add(a, b):\n    return a + b\n');
    expect(source).toContain('def div(a, b):\n    return a / b\n');

    // The run log keeps the answer's diff as received and the patch as applied, with exact headers.
    const log = (await readFile(join(dir, 'artifacts/run-log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; diff: string; received: string });
    const applied = log.filter((e) => e.kind === 'applied');
    expect(applied).toHaveLength(2);
    const [first, second] = applied;
    expect(first.received).toContain('@@ @@');
    expect(first.diff).toMatch(/^diff --git a\/calc\/__init__\.py b\/calc\/__init__\.py\n--- a\/calc\/__init__\.py\n\+\+\+ b\/calc\/__init__\.py\n@@ -4,2 \+4,2 @@\n/);
    expect(second.received).toContain('@@ -2,9 +2,12 @@');
    expect(second.diff).toContain('@@ -11,3 +11,3 @@\n \n def div(a, b):\n');
    await rm(tools, { recursive: true, force: true });
  }, 400_000);
});
