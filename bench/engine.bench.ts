// Benchmarks of the engine's hot spots, run with `npm run bench` (vitest bench). They measure; tests never
// assert on time. Sizes are chosen to resemble a real smoke suite and a mid-sized repository.
import { bench, describe } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJUnit } from '../src/core/junit';
import { makeSignature, normalizeMessage } from '../src/core/signature';
import { extractDiff, summarizePatch } from '../src/core/patch';
import { SnapshotStore } from '../src/core/snapshot';

function junitWith(cases: number): string {
  const body = Array.from({ length: cases }, (_, i) =>
    i % 5 === 0
      ? `<testcase classname="tests.smoke.test_m${i % 20}" name="test_smoke_${i}" time="0.01"><failure message="AssertionError: assert ${i} == ${i + 1}">tests/smoke/test_m.py:${i}: AssertionError\n${'frame line\n'.repeat(30)}</failure></testcase>`
      : `<testcase classname="tests.smoke.test_m${i % 20}" name="test_smoke_${i}" time="0.01"/>`,
  ).join('');
  return `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="${cases / 5}" skipped="0" tests="${cases}" time="1.0">${body}</testsuite></testsuites>`;
}

const junit500 = junitWith(500);
const answer = `Here is the fix.\n\n\`\`\`diff\n${Array.from({ length: 5 }, (_, f) => `diff --git a/pkg/m${f}.py b/pkg/m${f}.py\n--- a/pkg/m${f}.py\n+++ b/pkg/m${f}.py\n@@ -1,${20} +1,${20} @@\n${Array.from({ length: 20 }, (_, l) => (l === 10 ? `-old ${l}\n+new ${l}` : ` line ${l}`)).join('\n')}\n`).join('')}\`\`\`\nDone.`;

describe('reading results', () => {
  bench('parse a 500-test JUnit file', () => {
    parseJUnit(junit500);
  });
  bench('1000 signatures', () => {
    for (let i = 0; i < 1000; i++) {
      makeSignature({ nodeid: `tests/smoke/test_m.py::test_${i}`, exceptionType: 'ValueError', location: { file: 'pkg/m.py', line: i }, message: normalizeMessage(`ValueError: bad value at 0x7f${i.toString(16)}`, 'ValueError') });
    }
  });
});

describe('patches', () => {
  bench('extract and summarise a 5-file diff from prose', () => {
    summarizePatch(extractDiff(answer)!);
  });
});

// A repository of 2,000 files with uncommitted edits: what a snapshot and a rollback cost.
const repo = mkdtempSync(join(tmpdir(), 'sf-bench-'));
for (let d = 0; d < 40; d++) {
  mkdirSync(join(repo, `pkg${d}`), { recursive: true });
  for (let f = 0; f < 50; f++) writeFileSync(join(repo, `pkg${d}`, `m${f}.py`), `# module ${d}/${f}\n${'x = 1\n'.repeat(40)}`);
}
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b.invalid' };
execFileSync('git', ['init', '-q'], { cwd: repo });
execFileSync('git', ['add', '-A'], { cwd: repo, env });
execFileSync('git', ['commit', '-qm', 'bench'], { cwd: repo, env });
writeFileSync(join(repo, 'pkg0', 'm0.py'), 'edited by the user\n');

describe('snapshots (2,000-file repository)', () => {
  bench(
    'take a snapshot',
    async () => {
      const store = await SnapshotStore.open(repo);
      await store.take('bench');
    },
    { iterations: 10 },
  );
  bench(
    'take, change one file, restore',
    async () => {
      const store = await SnapshotStore.open(repo);
      const snap = await store.take('bench');
      writeFileSync(join(repo, 'pkg1', 'm1.py'), 'patched\n');
      await store.restore(snap);
    },
    { iterations: 10 },
  );
});
