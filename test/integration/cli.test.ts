import { beforeAll, afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleSchema, BUNDLE_KEY_ORDER } from '../../src/core/bundle';
import { FIXTURES, makeWorkspace, removeWorkspace, treeBytes } from './helpers/workspace';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const PRODUCER = join(FIXTURES, 'producers', 'calc-producer.py');

beforeAll(() => {
  execFileSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
}, 120_000);

const made: string[] = [];
afterEach(async () => {
  while (made.length) await removeWorkspace(made.pop()!);
});

function cli(args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const result = spawnSync('node', [CLI, ...args], {
    cwd: o.cwd ?? ROOT,
    env: { ...process.env, ND_SMOKE: '', ...o.env },
    encoding: 'utf8',
    input: '',
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('smokes-fixer CLI (built bundle)', () => {
  it('run --json: exit 0 and exactly one JSON object on stdout when every test ends passing', async () => {
    const dir = await makeWorkspace('pyproj-loop');
    made.push(dir);
    const log = join(dir, 'producer-calls.jsonl');
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', `python3 ${PRODUCER}`, '--json'], { env: { CALC_PRODUCER_LOG: log } });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.status).toBe('success');
    expect(summary.fixed.map((f: { nodeid: string }) => f.nodeid)).toEqual([
      'tests/smoke/test_smoke_calc.py::test_smoke_add',
      'tests/smoke/test_smoke_calc.py::test_smoke_div',
    ]);
    // The human-readable run went to stderr: the checklist and validation lines.
    expect(r.stderr).toContain('Smokes Fixer — plan');
    expect(r.stderr).toMatch(/Baseline run: python3 -m pytest -q tests\/smoke -k smoke --maxfail=3 -rf/);
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(calls.map((c: { attempt: number }) => c.attempt)).toEqual([1, 1]);
  });

  it('run: exit 1 with the bundle on stdout under --json when the producer has nothing to offer', async () => {
    const dir = await makeWorkspace('pyproj-loop');
    made.push(dir);
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const parsed = JSON.parse(r.stdout);
    expect(Object.keys(parsed)).toEqual([...BUNDLE_KEY_ORDER]);
    const bundle = bundleSchema.parse(parsed);
    expect(bundle.reason).toBe('retry budget');
    expect(existsSync(join(dir, 'artifacts', 'escalation.json'))).toBe(true);
  });

  it('exit 2 with the bad field named on a configuration error, touching nothing', async () => {
    const dir = await makeWorkspace('pyproj-loop');
    made.push(dir);
    const before = await treeBytes(dir);
    const r = cli(['run', '--cwd', dir, '--retries', '9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/retries \(--retries\)/);
    expect(r.stdout).toBe('');
    await writeFile(join(dir, '.smokes-fixer.json'), '{"producer": "command"}');
    const missing = cli(['run', '--cwd', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/producerCommand/);
    expect({ ...(await treeBytes(dir)), '.smokes-fixer.json': undefined }).toEqual({ ...before, '.smokes-fixer.json': undefined });
  });

  it('signatures prints one JSON line per failure of a JUnit file', async () => {
    const dir = await makeWorkspace('pyproj-loop');
    made.push(dir);
    cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3']);
    const r = cli(['signatures', join(dir, 'artifacts', 'smoke.xml')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l: { nodeid: string }) => l.nodeid)).toEqual([
      'tests/smoke/test_smoke_calc.py::test_smoke_add',
      'tests/smoke/test_smoke_calc.py::test_smoke_div',
    ]);
    expect(lines[0].signature).toContain('tests/smoke/test_smoke_calc.py:5');
  });

  it('check reports each prerequisite on its own line; --help works for every command', async () => {
    const dir = await makeWorkspace('pyproj-loop');
    made.push(dir);
    const r = cli(['check', '--cwd', dir]);
    expect(r.stdout).toMatch(/✓ pytest: pytest \d/);
    expect(r.stdout).toMatch(/exec-rpc set-up: not configured/);
    expect(r.code).toBe(0);
    for (const command of ['run', 'check', 'probe', 'signatures', 'restore']) {
      const help = cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`smokes-fixer ${command}`);
    }
    expect(cli(['frobnicate']).code).toBe(2);
  });

  it('with confirmPayloads and no terminal, prints the investigation payloads and sends none', async () => {
    const dir = await makeWorkspace('pyproj-loop');
    made.push(dir);
    const record = join(dir, 'mcp-calls.jsonl');
    const server = { command: 'node', args: [join(FIXTURES, 'mcp-recorder', 'server.mjs')], env: { MCP_RECORD_FILE: record } };
    await writeFile(join(dir, '.smokes-fixer.json'), JSON.stringify({ investigation: { enabled: true, confirmPayloads: true, timeoutSeconds: 30, privateServer: server, publicServer: server } }));
    const r = cli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 1']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/assisted investigation \(public, .*\): payload to send:/);
    expect(r.stdout).toMatch(/no \(no terminal to ask\)/);
    const calls = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((c: { event?: string }) => c.event !== 'start') : [];
    expect(calls).toEqual([]);
  });
});
