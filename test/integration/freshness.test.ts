import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { cp, mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  collectFreshnessOutputs,
  freshnessConfigured,
  metaPort,
  probeFreshness,
  restartAndProbe,
} from '../../src/core/freshness';
import { runShell } from '../../src/core/processes';
import { GIT_ENV } from './helpers/workspace';
import { freePort, isAlive } from './helpers/processes';

const ROOT = join(__dirname, '..', '..');
const SERVICE = join(ROOT, 'test', 'fixtures', 'exec-rpc', 'exec_rpc_service.py');
const DEMO = join(ROOT, 'examples', 'demo-workspace');
const TIMEOUT_MS = 5000;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sf-fresh-${prefix}-`));
}

async function gitRepo(): Promise<{ dir: string; head: string }> {
  const dir = await tempDir('repo');
  await writeFile(join(dir, 'app.py'), 'VALUE = 1\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'first');
  return { dir, head: git(dir, 'rev-parse', 'HEAD') };
}

interface Service {
  child: ChildProcess;
  port: number;
  url: string;
}

const services: Service[] = [];

/** Starts the reference exec-rpc service on a port of its choosing and waits for its "listening" line. */
async function startService(cwd: string, env: Record<string, string> = {}): Promise<Service> {
  const child = spawn('python3', [SERVICE], {
    cwd,
    env: { ...process.env, EXEC_RPC_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk.toString();
      const m = /EXEC_RPC_LISTENING \S+ (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr!.on('data', (chunk) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`exec-rpc service exited (${code}): ${err}`)));
  });
  const service = { child, port, url: `http://127.0.0.1:${port}/__meta` };
  services.push(service);
  return service;
}

async function stopServices(): Promise<void> {
  for (const s of services.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      const gone = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await gone;
    }
  }
}

const cleanup: string[] = [];
afterEach(stopServices);
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

describe('metaPort', () => {
  it('reads the port of the URL, or the scheme default', () => {
    expect(metaPort('http://127.0.0.1:8790/__meta')).toBe(8790);
    expect(metaPort('http://localhost/__meta')).toBe(80);
    expect(metaPort('https://svc.example/__meta')).toBe(443);
    expect(() => metaPort('not a url')).toThrow(/not a URL/);
  });
});

describe('probeFreshness against the reference exec-rpc service', () => {
  let repo: { dir: string; head: string };
  beforeAll(async () => {
    repo = await gitRepo();
    cleanup.push(repo.dir);
  });

  it('is fresh when /__meta has every field, the HEAD sha and a start after the last patch', async () => {
    const before = new Date(Date.now() - 60_000);
    const s = await startService(repo.dir);
    const status = await probeFreshness({ url: s.url, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: before });
    expect(status.reasons).toEqual([]);
    expect(status.state).toBe('fresh');
    expect(status.headSha).toBe(repo.head);
    expect(status.meta?.git_sha).toBe(repo.head);
    expect(typeof status.meta?.t_ms).toBe('number');
    expect(status.rawMeta).toContain('"t_ms"');
    expect(status.url).toBe(s.url);
  });

  it('is stale when t_ms is missing', async () => {
    const s = await startService(repo.dir, { EXEC_RPC_OMIT_T_MS: '1' });
    const status = await probeFreshness({ url: s.url, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: null });
    expect(status.state).toBe('stale');
    expect(status.reasons).toEqual(['/__meta lacks t_ms']);
    expect(status.rawMeta).not.toContain('t_ms');
  });

  it('names every missing field', async () => {
    const s = await startService(repo.dir, { EXEC_RPC_OMIT_GIT_SHA: '1', EXEC_RPC_OMIT_STARTED_AT: '1' });
    const status = await probeFreshness({ url: s.url, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: null });
    expect(status.state).toBe('stale');
    expect(status.reasons).toEqual(['/__meta lacks git_sha', '/__meta lacks started_at']);
  });

  it('is stale when git_sha is not the workspace HEAD, and fresh for a short sha of HEAD', async () => {
    const other = await startService(repo.dir, { EXEC_RPC_GIT_SHA: 'deadbeefcafe0000deadbeefcafe0000deadbeef' });
    const stale = await probeFreshness({ url: other.url, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: null });
    expect(stale.state).toBe('stale');
    expect(stale.reasons).toHaveLength(1);
    expect(stale.reasons[0]).toContain('git_sha deadbeefcafe');
    expect(stale.reasons[0]).toContain(`HEAD ${repo.head.slice(0, 12)}`);

    const shortSha = await startService(repo.dir, { EXEC_RPC_GIT_SHA: repo.head.slice(0, 7) });
    const fresh = await probeFreshness({ url: shortSha.url, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: null });
    expect(fresh.state).toBe('fresh');
  });

  it('is stale after a new commit the running service does not have', async () => {
    const repo2 = await gitRepo();
    cleanup.push(repo2.dir);
    const s = await startService(repo2.dir);
    await writeFile(join(repo2.dir, 'app.py'), 'VALUE = 2\n');
    git(repo2.dir, 'commit', '-q', '-am', 'second');
    const status = await probeFreshness({ url: s.url, timeoutMs: TIMEOUT_MS, workspace: repo2.dir, lastPatchAt: null });
    expect(status.state).toBe('stale');
    expect(status.reasons[0]).toMatch(/^git_sha [0-9a-f]{12} ≠ HEAD [0-9a-f]{12}/);
  });

  it('is stale when the service started before the last applied patch', async () => {
    const s = await startService(repo.dir);
    const first = await probeFreshness({ url: s.url, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: null });
    expect(first.state).toBe('fresh');
    // A patch applied one millisecond after the service started: the service runs pre-patch code.
    const patchedAt = new Date(Date.parse(String(first.meta?.started_at)) + 1);
    const status = await probeFreshness({ url: s.url, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: patchedAt });
    expect(status.state).toBe('stale');
    expect(status.reasons).toHaveLength(1);
    expect(status.reasons[0]).toContain('before the last patch');
  });

  it('skips the HEAD rule in a folder that is not a git repository', async () => {
    const plain = await tempDir('plain');
    cleanup.push(plain);
    const s = await startService(plain, { EXEC_RPC_GIT_SHA: 'abc1234' });
    const status = await probeFreshness({ url: s.url, timeoutMs: TIMEOUT_MS, workspace: plain, lastPatchAt: null });
    expect(status.headSha).toBeNull();
    expect(status.state).toBe('fresh');
  });

  it('is down when nothing listens', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/__meta`;
    const status = await probeFreshness({ url, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: null });
    expect(status.state).toBe('down');
    expect(status.meta).toBeNull();
    expect(status.rawMeta).toBeNull();
    expect(status.reasons[0]).toContain(`nothing answered at ${url}`);
    expect(status.reasons[0]).toContain('ECONNREFUSED');
  });

  it('is stale when /__meta does not answer JSON, and down when it does not answer in time', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>maintenance</html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const html = await probeFreshness({ url: `http://127.0.0.1:${port}/__meta`, timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: null });
      expect(html.state).toBe('stale');
      expect(html.reasons).toEqual(['/__meta did not answer a JSON object: <html>maintenance</html>']);
      expect(html.rawMeta).toBe('<html>maintenance</html>');

      const slow = await probeFreshness({ url: `http://127.0.0.1:${port}/slow`, timeoutMs: 300, workspace: repo.dir, lastPatchAt: null });
      expect(slow.state).toBe('down');
      expect(slow.reasons[0]).toContain('did not answer within 300 ms');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('stops with a cancellation error when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      probeFreshness({ url: 'http://127.0.0.1:9/__meta', timeoutMs: TIMEOUT_MS, workspace: repo.dir, lastPatchAt: null, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('freshnessConfigured', () => {
  async function withMakefile(name: string, text: string): Promise<string> {
    const dir = await tempDir('make');
    cleanup.push(dir);
    await writeFile(join(dir, name), text);
    return dir;
  }

  it('is configured when the Makefile has both exec-rpc targets', async () => {
    const dir = await withMakefile('Makefile', 'PORT ?= 8790\n.PHONY: exec-rpc-restart exec-rpc-probe\nexec-rpc-restart:\n\t@echo restart\nexec-rpc-probe: exec-rpc-restart\n\t@echo probe\n');
    expect(await freshnessConfigured(dir, false)).toBe(true);
  });

  it('reads makefile and GNUmakefile, and targets declared together', async () => {
    expect(await freshnessConfigured(await withMakefile('makefile', 'exec-rpc-restart exec-rpc-probe:\n\ttrue\n'), false)).toBe(true);
    expect(await freshnessConfigured(await withMakefile('GNUmakefile', 'exec-rpc-restart::\n\ttrue\nexec-rpc-probe::\n\ttrue\n'), false)).toBe(true);
  });

  it('is not configured with one target only, with the names only in .PHONY or a recipe, or with no Makefile', async () => {
    expect(await freshnessConfigured(await withMakefile('Makefile', 'exec-rpc-restart:\n\ttrue\n'), false)).toBe(false);
    expect(await freshnessConfigured(await withMakefile('Makefile', '.PHONY: exec-rpc-restart exec-rpc-probe\nall:\n\techo exec-rpc-probe: x\nexec-rpc-restart := 1\n'), false)).toBe(false);
    const empty = await tempDir('empty');
    cleanup.push(empty);
    expect(await freshnessConfigured(empty, false)).toBe(false);
  });

  it('is configured when the user set a meta URL, Makefile or not', async () => {
    const empty = await tempDir('explicit');
    cleanup.push(empty);
    expect(await freshnessConfigured(empty, true)).toBe(true);
  });

  it('finds the targets of the demo workspace', async () => {
    expect(await freshnessConfigured(DEMO, false)).toBe(true);
  });
});

describe('restartAndProbe and collectFreshnessOutputs on the demo workspace', () => {
  let ws: string;
  let port: number;
  let env: Record<string, string>;

  beforeAll(async () => {
    ws = await tempDir('demo');
    cleanup.push(ws);
    await cp(DEMO, ws, { recursive: true, filter: (src) => !/(__pycache__|\.pytest_cache|\.exec-rpc|\.smokes-fixer)$/.test(src) });
    git(ws, 'init', '-q', '-b', 'main');
    git(ws, 'add', '-A');
    git(ws, 'commit', '-q', '-m', 'demo');
    port = await freePort();
    env = { EXEC_RPC_PORT: String(port), EXEC_RPC_NO_DOCKER: '1' };
  });

  afterAll(async () => {
    if (ws) await runShell('make -s exec-rpc-stop', { cwd: ws, env, timeoutMs: 30_000 });
  });

  it('starts the service, finds "t_ms" in the probe, restarts idempotently and stops it', async () => {
    const streamed: string[] = [];
    const first = await restartAndProbe({ workspace: ws, env, onOutput: (t) => streamed.push(t), timeoutMs: 60_000 });
    expect(first.command).toBe('make exec-rpc-restart && make exec-rpc-probe');
    expect(first.exitCode).toBe(0);
    expect(first.ok).toBe(true);
    expect(first.output).toContain('"t_ms"');
    expect(streamed.join('')).toBe(first.output);
    const pid1 = Number((await readFile(join(ws, '.exec-rpc', 'exec-rpc.pid'), 'utf8')).trim());

    const url = `http://127.0.0.1:${port}/__meta`;
    const fresh = await probeFreshness({ url, timeoutMs: TIMEOUT_MS, workspace: ws, lastPatchAt: null });
    expect(fresh.state).toBe('fresh');
    expect(fresh.meta?.git_sha).toBe(git(ws, 'rev-parse', 'HEAD'));

    // A patch lands after the start: stale; a restart makes it fresh again with a new process.
    const patchedAt = new Date(Date.parse(String(fresh.meta?.started_at)) + 1);
    expect((await probeFreshness({ url, timeoutMs: TIMEOUT_MS, workspace: ws, lastPatchAt: patchedAt })).state).toBe('stale');
    // Given the meta URL, make gets its port as EXEC_RPC_PORT: the service comes back where it is probed.
    const second = await restartAndProbe({ workspace: ws, env: { ...process.env, EXEC_RPC_PORT: '', EXEC_RPC_NO_DOCKER: '1' }, metaUrl: url, timeoutMs: 60_000 });
    expect(second.output).toContain('"t_ms"');
    expect(second.ok).toBe(true);
    const pid2 = Number((await readFile(join(ws, '.exec-rpc', 'exec-rpc.pid'), 'utf8')).trim());
    expect(pid2).not.toBe(pid1);
    expect(isAlive(pid1)).toBe(false);
    expect((await probeFreshness({ url, timeoutMs: TIMEOUT_MS, workspace: ws, lastPatchAt: patchedAt })).state).toBe('fresh');

    const outputs = await collectFreshnessOutputs({ url });
    expect(outputs.metaCommand).toBe(`curl -s 127.0.0.1:${port}/__meta`);
    expect(outputs.ssCommand).toBe(`ss -lntp | grep ':${port} '`);
    if (await hasTool('curl')) {
      expect(JSON.parse(outputs.meta ?? 'null')).toMatchObject({ git_sha: fresh.meta?.git_sha });
      expect(outputs.meta).toContain('"t_ms"');
    } else {
      expect(outputs.meta).toBeNull();
    }
    if (await hasTool('ss')) {
      expect(outputs.ss).toContain(`127.0.0.1:${port} `);
      expect(outputs.ss).toContain('LISTEN');
    } else {
      expect(outputs.ss).toBeNull();
    }

    const stop = await runShell('make -s exec-rpc-stop', { cwd: ws, env, timeoutMs: 30_000 });
    expect(stop.exitCode).toBe(0);
    expect(isAlive(pid2)).toBe(false);
    await expect(access(join(ws, '.exec-rpc', 'exec-rpc.pid'))).rejects.toThrow();
    expect((await probeFreshness({ url, timeoutMs: TIMEOUT_MS, workspace: ws, lastPatchAt: null })).state).toBe('down');
  });

  it('is not ok when the probe answers without "t_ms"', async () => {
    const dir = await tempDir('noprobe');
    cleanup.push(dir);
    await writeFile(join(dir, 'Makefile'), 'exec-rpc-restart:\n\t@echo restarted\nexec-rpc-probe:\n\t@echo \'{"git_sha": "abc"}\'\n');
    const result = await restartAndProbe({ workspace: dir, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(result.ok).toBe(false);
    expect(result.output).toBe('restarted\n{"git_sha": "abc"}\n');
  });

  it('is not ok when the restart fails, and the probe does not run', async () => {
    const dir = await tempDir('failrestart');
    cleanup.push(dir);
    await writeFile(join(dir, 'Makefile'), 'exec-rpc-restart:\n\t@echo cannot start >&2; exit 1\nexec-rpc-probe:\n\t@echo \'{"t_ms": 1}\'\n');
    const result = await restartAndProbe({ workspace: dir, timeoutMs: 30_000 });
    expect(result.ok).toBe(false);
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain('cannot start');
    expect(result.output).not.toContain('t_ms');
  });

  it('collects null outputs when nothing listens on the port', async () => {
    const free = await freePort();
    const outputs = await collectFreshnessOutputs({ url: `http://127.0.0.1:${free}/__meta` });
    expect(outputs).toEqual({
      meta: null,
      ss: null,
      metaCommand: `curl -s 127.0.0.1:${free}/__meta`,
      ssCommand: `ss -lntp | grep ':${free} '`,
    });
  });
});

async function hasTool(tool: string): Promise<boolean> {
  const r = await runShell(`command -v ${tool}`, { cwd: ROOT, timeoutMs: 5000 });
  return r.exitCode === 0;
}
