import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleSchema } from '../../src/core/bundle';
import { LOG_OUTPUT_HEAD, LOG_OUTPUT_TAIL } from '../../src/core/runLog';
import { removeWorkspace, treeBytes } from '../integration/helpers/workspace';
import { Figures } from './figures';
import { buildCli, isAlive, projectWith, runCli, survivors } from './harness';

// Tests that misbehave as processes: children that ignore SIGTERM (in the process group and out of it),
// a grandchild that holds the run's stdout open, 100 MB of output. The time budget must end the run with
// `time budget`, every process the tests started must be gone, the CLI's memory must stay bounded, and
// the bundle must be written. Budgets are short; nothing here asserts how long anything took.

const figures = new Figures('processes');
const made: string[] = [];
beforeAll(() => buildCli(), 120_000);
afterEach(async () => {
  while (made.length) await removeWorkspace(made.pop()!);
});
afterAll(() => figures.write());

// pytest captures fd 1 into a temporary file while a test runs; the first socket or pipe it saved is the
// run's real stdout (Node gives its children socket pairs for 'pipe' stdio).
const REAL_STDOUT = `
import os, signal, subprocess, sys, time

def real_stdout():
    for name in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            if int(name) > 2 and os.readlink(f"/proc/self/fd/{name}").startswith(("socket:", "pipe:")):
                return int(name)
        except OSError:
            pass
    return 1

def note(pid):
    with open(os.environ.get("PIDS_FILE", "pids.txt"), "a") as f:
        f.write(f"{pid}\\n")

STUBBORN = "import signal, time\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\ntime.sleep(100000)\\n"
`;

const PROJECTS: Record<string, Record<string, string>> = {
  'children that ignore SIGTERM, one of them in a session of its own, and a test that hangs ignoring SIGTERM': {
    'pytest.ini': '[pytest]\n',
    'tests/smoke/test_smoke_stubborn.py': `${REAL_STDOUT}
def test_smoke_stubborn():
    in_group = subprocess.Popen([sys.executable, "-c", STUBBORN])
    own_session = subprocess.Popen([sys.executable, "-c", STUBBORN], start_new_session=True)
    note(in_group.pid)
    note(own_session.pid)
    note(os.getpid())
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(100000)
`,
  },
  'a grandchild in its own session that never closes the run\'s stdout': {
    'pytest.ini': '[pytest]\n',
    'tests/smoke/test_smoke_holder.py': `${REAL_STDOUT}
def test_smoke_holder():
    fd = real_stdout()
    holder = subprocess.Popen(["sleep", "100000"], stdout=fd, stderr=fd, start_new_session=True)
    note(holder.pid)
    assert 1 == 2
`,
  },
  'a test that prints 100 MB': {
    'pytest.ini': '[pytest]\n',
    'tests/smoke/test_smoke_flood.py': `${REAL_STDOUT}
def test_smoke_flood():
    note(os.getpid())
    fd = real_stdout()
    line = (b"x" * 1023) + b"\\n"
    block = line * 1024
    for _ in range(100):
        os.write(fd, block)
    assert 1 == 2
`,
  },
};

describe('processes: the time budget holds against hostile tests', () => {
  for (const [name, files] of Object.entries(PROJECTS)) {
    it(name, async () => {
      const dir = await projectWith(files);
      made.push(dir);
      const before = await treeBytes(dir);
      const pidsFile = join(dir, '..', `${dir.split('/').pop()}-pids.txt`);
      made.push(pidsFile);
      // The producer never answers: if the tests themselves let the loop go on, the budget ends it there.
      const flood = name.includes('100 MB');
      // The flood gets a longer budget so its 100 MB go through on a loaded machine before the budget ends it.
      const stderrFile = `${dir}-stderr.txt`;
      made.push(stderrFile);
      const r = await runCli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'sleep 100000', '--time-budget', flood ? '120' : '20', '--json'], {
        env: { PIDS_FILE: pidsFile },
        stderrFile,
      });
      figures.tried();
      const pids = existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
      const left = await survivors(pids);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      if (left.length) figures.failed('let-through', `${name}: ${left.length} process(es) outlived the run`);

      expect(r.code, r.stderr.slice(-3000)).toBe(1);
      const bundle = bundleSchema.parse(JSON.parse(r.stdout));
      expect(bundle.reason).toBe('time budget');
      expect(existsSync(join(dir, 'artifacts', 'escalation.json'))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, 'artifacts', 'escalation.json'), 'utf8')).reason).toBe('time budget');
      // The tests got far enough to start what they start, and none of it outlived the run.
      expect(pids.length).toBeGreaterThan(0);
      expect(left).toEqual([]);
      // No `sleep 100000` producer is left either.
      expect(pids.every((p) => !isAlive(p))).toBe(true);
      // The working tree is as it was (nothing was applied).
      const after = await treeBytes(dir);
      figures.compared(Object.keys(before).length);
      if (JSON.stringify(after) !== JSON.stringify(before)) figures.failed('lost', `${name}: the tree changed`);
      expect(after).toEqual(before);

      if (flood) {
        // Most of the 100 MB went through (the CLI shows output live; on a loaded machine the budget may
        // end the flood before its last megabytes) …
        expect(r.stderrBytes).toBeGreaterThan(50 * 1024 * 1024);
        // … but neither memory nor the run log holds it all.
        expect(r.peakRss).toBeGreaterThan(0);
        expect(r.peakRss).toBeLessThan(400 * 1024 * 1024);
        const logSize = statSync(join(dir, 'artifacts', 'run-log.jsonl')).size;
        // Each run's output is kept once in the log, head and tail, with a line saying how much was left out.
        expect(logSize).toBeLessThan((LOG_OUTPUT_HEAD + LOG_OUTPUT_TAIL) * 20);
        expect(readFileSync(join(dir, 'artifacts', 'run-log.jsonl'), 'utf8')).toMatch(/characters of output left out here/);
      }
    }, 400_000);
  }
});
