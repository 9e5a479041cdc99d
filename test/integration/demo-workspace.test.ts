import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/processes';

/** The demo workspace and its prepared candidates behave as examples/README.md tells. */

const ROOT = join(__dirname, '..', '..');
const DEMO = join(ROOT, 'examples', 'demo-workspace');
const CANDIDATES = join(ROOT, 'examples', 'candidates');
const PROPOSE = join(ROOT, 'examples', 'propose.mjs');
const INVOICE = 'tests/smoke/test_smoke_invoice.py::';
const ROUNDING = `${INVOICE}test_smoke_line_total_rounds_half_up`;
const PAGES = `${INVOICE}test_smoke_first_page_starts_at_line_one`;
const TAX = `${INVOICE}test_smoke_summary_has_tax`;

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.invalid' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });

let ws: string;
let env: NodeJS.ProcessEnv;

/** The baseline command; returns the node ids that failed and passed (from the `-rA` summary). */
function smoke(): { failed: string[]; passed: string[] } {
  const r = spawnSync('python3', ['-m', 'pytest', '-q', 'tests/smoke', '-k', 'smoke', '--maxfail=3', '-rA', '-p', 'no:cacheprovider'], {
    cwd: ws,
    env: { ...env, COLUMNS: '300', PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
  });
  const pick = (what: string) => [...r.stdout.matchAll(new RegExp(`^${what} (\\S+)`, 'gm'))].map((m) => m[1]).sort();
  return { failed: pick('FAILED'), passed: pick('PASSED') };
}

function apply(diff: string, reverse = false): void {
  execFileSync('git', ['apply', ...(reverse ? ['-R'] : []), join(CANDIDATES, diff)], { cwd: ws });
}

function propose(nodeid: string, attempt: number): { status: number | null; stdout: string } {
  const request = { schema: 'smokes-fixer/patch-request@1', workspace: ws, attempt, target: { nodeid, exceptionType: 'AssertionError', location: null, message: '', signature: nodeid } };
  const r = spawnSync('node', [PROPOSE], { input: JSON.stringify(request), encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout };
}

beforeAll(async () => {
  ws = await mkdtemp(join(tmpdir(), 'sf-demo-'));
  await cp(DEMO, ws, { recursive: true, filter: (src) => !/(__pycache__|\.pytest_cache|\.exec-rpc|\.smokes-fixer)$/.test(src) });
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'demo');
  env = { ...process.env, EXEC_RPC_PORT: String(await freePort()), EXEC_RPC_NO_DOCKER: '1' };
  delete env.SMOKES_DEMO_STORY;
  execFileSync('make', ['-s', 'exec-rpc-restart'], { cwd: ws, env });
});

afterAll(async () => {
  if (!ws) return;
  spawnSync('make', ['-s', 'exec-rpc-stop'], { cwd: ws, env });
  await rm(ws, { recursive: true, force: true });
});

describe('demo workspace', () => {
  it('has three failing smoke tests and five passing ones, the service tests included', () => {
    const base = smoke();
    expect(base.failed).toEqual([PAGES, ROUNDING, TAX].sort());
    expect(base.passed).toHaveLength(5);
    expect(base.passed).toContain('tests/smoke/test_smoke_exec_rpc.py::test_smoke_exec_rpc_formats_money');
  });

  it('has candidates that apply cleanly; each fix fixes its test alone, the regressing one breaks a passing test', () => {
    for (const diff of ['fix-rounding.diff', 'fix-pagination.diff', 'fix-summary-tax.diff', 'regress-page-count.diff']) {
      execFileSync('git', ['apply', '--check', join(CANDIDATES, diff)], { cwd: ws });
    }
    const fixes: Array<[string, string]> = [['fix-rounding.diff', ROUNDING], ['fix-pagination.diff', PAGES], ['fix-summary-tax.diff', TAX]];
    for (const [diff, test] of fixes) {
      apply(diff);
      const after = smoke();
      expect(after.failed).toHaveLength(2);
      expect(after.failed).not.toContain(test);
      expect(after.passed).toContain(test);
      apply(diff, true);
    }
    apply('regress-page-count.diff');
    const bad = smoke();
    expect(bad.failed).toContain('tests/smoke/test_smoke_basics.py::test_smoke_page_count');
    apply('regress-page-count.diff', true);
    expect(git(ws, 'status', '--porcelain')).toBe('');
  });

  it('propose.mjs tells the story: a kept fix, then a regression on the second target', () => {
    const first = propose(ROUNDING, 1);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(readFileSync(join(CANDIDATES, 'fix-rounding.diff'), 'utf8'));
    apply('fix-rounding.diff');
    expect(smoke().failed).toEqual([PAGES, TAX].sort());

    const second = propose(PAGES, 1);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('return len(lines) // per_page');
    execFileSync('git', ['apply'], { cwd: ws, input: second.stdout });
    const regressed = smoke();
    expect(regressed.failed.length).toBeGreaterThan(2);
    expect(regressed.failed).toContain('tests/smoke/test_smoke_basics.py::test_smoke_page_count');
    execFileSync('git', ['checkout', '-q', '.'], { cwd: ws });

    // Further attempts get the good fixes; then nothing is left (exit 3).
    expect(propose(PAGES, 2).stdout).toContain('start = (page - 1) * per_page');
    expect(propose(TAX, 1).stdout).toContain('"tax": tax');
    expect(propose(TAX, 2).status).toBe(3);
  });

  it('propose.mjs starts over on a new run and never leads with the regressing candidate', async () => {
    // Attempt 1 again for a served target: a new run. The pagination test taken first gets its good fix.
    propose(ROUNDING, 1);
    const state = JSON.parse(await readFile(join(ws, '.smokes-fixer', 'demo-propose-state.json'), 'utf8'));
    expect(state.order).toEqual([ROUNDING]);
    spawnSync('node', [PROPOSE, '--reset', ws], { encoding: 'utf8' });
    expect(propose(PAGES, 1).stdout).toContain('start = (page - 1) * per_page');
    expect(propose('tests/smoke/test_smoke_basics.py::test_smoke_unknown', 1).status).toBe(1);
  });
});
