import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSchema } from '../../src/core/bundle';
import { probeFreshness } from '../../src/core/freshness';
import { git, removeWorkspace } from '../integration/helpers/workspace';
import { freePort } from '../integration/helpers/processes';
import { Figures } from './figures';
import { buildCli, projectWith, runCli } from './harness';

// The exec-rpc service misbehaving: /__meta down, slow, answering garbage (also an endless stream of it),
// the wrong git_sha; make missing; the restart target failing. Each gives a clear state and message, and
// nothing hangs (the test guards stop a hang as a failure; no durations are asserted).

const figures = new Figures('service');
const made: string[] = [];
const servers: Server[] = [];
beforeAll(() => buildCli(), 120_000);
afterEach(async () => {
  while (made.length) await removeWorkspace(made.pop()!);
  while (servers.length) {
    const s = servers.pop()!;
    s.closeAllConnections();
    await new Promise((r) => s.close(() => r(undefined)));
  }
});
afterAll(() => figures.write());

type Handler = Parameters<typeof createServer>[1];
async function serve(handler: NonNullable<Handler>): Promise<string> {
  const port = await freePort();
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return `http://127.0.0.1:${port}/__meta`;
}

const FAILING_PROJECT = (metaUrl: string, makefile: string) => ({
  'pytest.ini': '[pytest]\n',
  'tests/smoke/test_smoke_x.py': 'def test_smoke_x():\n    assert 1 == 2\n',
  Makefile: makefile,
  '.smokes-fixer.json': JSON.stringify({ metaUrl, freshnessTimeoutMs: 1000 }),
});

const RESTART_OK = 'exec-rpc-restart:\n\t@echo restarted\nexec-rpc-probe:\n\t@echo \'{"t_ms": 1}\'\n';
const RESTART_FAILS = 'exec-rpc-restart:\n\t@echo "exec-rpc: cannot bind 127.0.0.1: address in use" >&2; exit 1\nexec-rpc-probe:\n\t@echo \'{"t_ms": 1}\'\n';

describe('the service: /__meta answers as the loop probes it', () => {
  const cases: Array<{ name: string; handler: NonNullable<Handler>; state: string; reason: RegExp }> = [
    { name: 'slow (answers after the timeout)', handler: (_q, s) => void setTimeout(() => s.end('{}'), 10_000).unref(), state: 'down', reason: /did not answer within 1000 ms/ },
    { name: 'garbage (HTML)', handler: (_q, s) => s.end('<html><body>502 Bad Gateway</body></html>'), state: 'stale', reason: /did not answer a JSON object/ },
    { name: 'garbage (JSON that is not an object)', handler: (_q, s) => s.end('[1,2,3]'), state: 'stale', reason: /did not answer a JSON object/ },
    { name: 'garbage (an HTTP 500 with a JSON body)', handler: (_q, s) => { s.statusCode = 500; s.end('{"error": "boom"}'); }, state: 'stale', reason: /answered HTTP 500/ },
    {
      name: 'garbage (an endless body)',
      handler: (_q, s) => {
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => { while (s.write(chunk)) { /* fill the socket */ } };
        s.on('drain', pump);
        pump();
      },
      state: 'stale',
      reason: /did not answer a JSON object|did not answer within/,
    },
    { name: 'fields of the wrong types', handler: (_q, s) => s.end('{"git_sha": 42, "started_at": [], "t_ms": "soon"}'), state: 'stale', reason: /git_sha is not a string/ },
    { name: 'the wrong git_sha', handler: (_q, s) => s.end(JSON.stringify({ git_sha: 'f'.repeat(40), started_at: new Date().toISOString(), t_ms: 3 })), state: 'stale', reason: /git_sha ffffffffffff ≠ HEAD/ },
  ];

  for (const c of cases) {
    it(`${c.name}: state ${c.state}, with the reason`, async () => {
      const url = await serve(c.handler);
      const dir = await projectWith({ 'a.txt': 'a\n' });
      made.push(dir);
      figures.tried();
      // A generous timeout for the services that do answer (a loaded machine must not turn them into "down").
      const status = await probeFreshness({ url, timeoutMs: c.state === 'down' ? 1000 : 5000, workspace: dir, lastPatchAt: null });
      expect(status.state).toBe(c.state);
      expect(status.reasons.join('; ')).toMatch(c.reason);
      // What the faces show of a raw answer stays small whatever the service sends.
      expect((status.rawMeta ?? '').length).toBeLessThan(100_000);
    });
  }

  it('down (nothing listens): the CLI probe says down and why, exit 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}/__meta`;
    const dir = await projectWith({ 'a.txt': 'a\n' });
    made.push(dir);
    figures.tried();
    const r = await runCli(['probe', '--cwd', dir, '--meta-url', url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`exec-rpc: down (${url})`);
    expect(r.stdout).toMatch(/nothing answered at .*ECONNREFUSED/);
  });
});

describe('the service: restart and probe in a real loop', () => {
  it('down, and the restart target fails: the loop escalates with `retry budget`, naming the command and its output', async () => {
    const url = `http://127.0.0.1:${await freePort()}/__meta`;
    const dir = await projectWith(FAILING_PROJECT(url, RESTART_FAILS));
    made.push(dir);
    figures.tried();
    const r = await runCli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const bundle = bundleSchema.parse(JSON.parse(r.stdout));
    expect(bundle.reason).toBe('retry budget');
    expect(r.stderr).toContain('exec-rpc is down');
    expect(r.stderr).toContain('cannot bind 127.0.0.1: address in use');
    expect(r.stderr).toMatch(/stays stale after `make exec-rpc-restart && make exec-rpc-probe`/);
    expect(bundle.exec_rpc_freshness?.meta ?? null).toBeNull();
    expect(existsSync(join(dir, 'artifacts', 'escalation.json'))).toBe(true);
  });

  it('make missing from PATH: the loop escalates saying make was not found, never hangs', async () => {
    const url = `http://127.0.0.1:${await freePort()}/__meta`;
    const dir = await projectWith(FAILING_PROJECT(url, RESTART_OK));
    made.push(dir);
    // A PATH with git and nothing else: no make, no python3 (given with --python), no curl or ss.
    const bin = await mkdtemp(join(tmpdir(), 'sf-nomake-'));
    made.push(bin);
    await symlink(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(bin, 'git'));
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    figures.tried();
    const r = await runCli(['run', '--cwd', dir, '--python', python, '--producer', 'command', '--producer-command', 'exit 3', '--json'], { env: { PATH: bin } });
    expect(r.code, r.stderr).toBe(1);
    const bundle = bundleSchema.parse(JSON.parse(r.stdout));
    expect(bundle.reason).toBe('retry budget');
    expect(r.stderr).toMatch(/make was not found/);
    // Without curl and ss the bundle says null rather than failing.
    expect(bundle.exec_rpc_freshness).toEqual({ meta: null, ss: null });
  });

  it('slow, then restarted: the loop goes on to the baseline and reports each state', async () => {
    const url = await serve((_q, s) => void setTimeout(() => s.end('{}'), 10_000).unref());
    const dir = await projectWith(FAILING_PROJECT(url, RESTART_OK));
    made.push(dir);
    figures.tried();
    const r = await runCli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3', '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(bundleSchema.parse(JSON.parse(r.stdout)).reason).toBe('retry budget');
    expect(r.stderr).toMatch(/exec-rpc is down: GET .* did not answer within 1000 ms/);
    expect(r.stderr).toContain('$ python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf');
  });

  it('the wrong git_sha, and the restart does not fix it: escalation names both shas', async () => {
    const url = await serve((_q, s) => s.end(JSON.stringify({ git_sha: '0123456789ab', started_at: new Date().toISOString(), t_ms: 3 })));
    const dir = await projectWith(FAILING_PROJECT(url, RESTART_OK));
    made.push(dir);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    figures.tried();
    const r = await runCli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'exit 3', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const bundle = bundleSchema.parse(JSON.parse(r.stdout));
    expect(r.stderr).toContain(`git_sha 0123456789ab ≠ HEAD ${head.slice(0, 12)}`);
    // The bundle carries what curl saw.
    expect(bundle.exec_rpc_freshness?.meta).toContain('0123456789ab');
    expect(JSON.parse(readFileSync(join(dir, 'artifacts', 'escalation.json'), 'utf8')).exec_rpc_freshness.meta).toContain('0123456789ab');
  });
});
