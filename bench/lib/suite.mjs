// The bench's fixture suites: a package with one bug, passing smoke tests and the one diff that fixes it.
// Shared by bench/run.mjs and bench/extension-output.mjs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FIX = `diff --git a/pkg/calc.py b/pkg/calc.py
--- a/pkg/calc.py
+++ b/pkg/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a - b
+    return a + b
`;

function git(args, opts) {
  const r = spawnSync('git', args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} exited with ${r.status}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
}

/** A package with one bug, `passing` smoke tests in files of 50, one failing test; committed. */
export function makeSuite(dir, passing, { conftest = '' } = {}) {
  mkdirSync(path.join(dir, 'pkg'), { recursive: true });
  mkdirSync(path.join(dir, 'tests', 'smoke'), { recursive: true });
  writeFileSync(path.join(dir, 'pkg', '__init__.py'), '');
  writeFileSync(path.join(dir, 'pkg', 'calc.py'), 'def add(a, b):\n    return a - b\n');
  for (let f = 0; f * 50 < passing; f++) {
    const tests = [];
    for (let i = f * 50; i < Math.min(passing, (f + 1) * 50); i++) tests.push(`def test_smoke_${i}():\n    assert ${i} + 1 == ${i + 1}\n`);
    writeFileSync(path.join(dir, 'tests', 'smoke', `test_smoke_${String(f).padStart(4, '0')}.py`), tests.join('\n'));
  }
  writeFileSync(path.join(dir, 'tests', 'smoke', 'test_smoke_add.py'), 'from pkg.calc import add\n\n\ndef test_smoke_add():\n    assert add(2, 3) == 5\n');
  if (conftest) writeFileSync(path.join(dir, 'conftest.py'), conftest);
  const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b.invalid' };
  git(['init', '-q'], { cwd: dir });
  git(['add', '-A'], { cwd: dir, env });
  // No background `git gc --auto` running beside the timings (or still writing when the folder is removed).
  git(['-c', 'gc.auto=0', 'commit', '-qm', 'suite'], { cwd: dir, env });
}

/** Back to the committed suite with nothing left by the previous side (artifacts, caches, state). */
export function reset(dir) {
  git(['reset', '-q', '--hard'], { cwd: dir });
  git(['clean', '-q', '-fdx'], { cwd: dir });
}

/**
 * A conftest printing `megabytes` MB (lines of 100 bytes) at session start straight to fd 1, past pytest's
 * capture, as a chatty session hook would.
 */
export function outputConftest(megabytes) {
  return `import os\n\n\ndef pytest_sessionstart(session):\n    line = (("x" * 99) + "\\n").encode()\n    block = line * 10240\n    for _ in range(${megabytes}):\n        os.write(1, block)\n`;
}
