import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoop } from '../../src/core/loop';
import { settingsSchema } from '../../src/core/settings';
import { bundleSchema } from '../../src/core/bundle';
import { CommandProducer } from '../../src/producers/command';
import type { LoopEvent } from '../../src/core/types';
import { git, treeBytes } from './helpers/workspace';
import { freePort } from './helpers/processes';

/** The whole engine on the demo workspace, with its real exec-rpc service on a free port. */

const ROOT = join(__dirname, '..', '..');
const PROPOSE = join(ROOT, 'examples', 'propose.mjs');

const started: Array<{ dir: string; env: NodeJS.ProcessEnv }> = [];
afterEach(async () => {
  while (started.length) {
    const { dir, env } = started.pop()!;
    spawnSync('make', ['-s', 'exec-rpc-stop'], { cwd: dir, env });
    await rm(dir, { recursive: true, force: true });
  }
});

async function demo(story?: 'success') {
  const dir = await mkdtemp(join(tmpdir(), 'sf-demo-loop-'));
  await cp(join(ROOT, 'examples', 'demo-workspace'), dir, { recursive: true, filter: (src) => !/(__pycache__|\.pytest_cache|\.exec-rpc|\.smokes-fixer)$/.test(src) });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'demo');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, EXEC_RPC_PORT: String(port), EXEC_RPC_NO_DOCKER: '1', ND_SMOKE: '' };
  if (story) env.SMOKES_DEMO_STORY = story;
  else delete env.SMOKES_DEMO_STORY;
  started.push({ dir, env });
  return { dir, env, port };
}

async function loop(dir: string, env: NodeJS.ProcessEnv, port: number) {
  const events: LoopEvent[] = [];
  const outcome = await runLoop({
    workspace: dir,
    settings: settingsSchema.parse({ metaUrl: `http://127.0.0.1:${port}/__meta` }),
    producer: new CommandProducer({ command: `node ${PROPOSE}`, cwd: dir, timeoutMs: 60_000 }),
    python: 'python3',
    env,
    onEvent: (e) => events.push(e),
  });
  return { outcome, events };
}

function restarts(events: LoopEvent[]): number {
  return events.filter((e) => e.type === 'command' && e.purpose === 'freshness').length;
}

describe('the loop on the demo workspace and its exec-rpc service', () => {
  it('starts the stale service, keeps a good patch, restarts after it, and rolls back a regressing one', async () => {
    const { dir, env, port } = await demo();
    const before = await treeBytes(dir, /(^|\/)(\.git|artifacts|\.smokes-fixer|__pycache__|\.pytest_cache|\.exec-rpc)(\/|$)|^requirements\.snapshot\.txt$/);
    const { outcome, events } = await loop(dir, env, port);

    expect(outcome.kind).toBe('escalated');
    if (outcome.kind !== 'escalated') return;
    expect(outcome.reason).toBe('regression');
    // Down before the baseline (restart 1), stale after the kept patch (restart 2), and after the regressing one.
    expect(restarts(events)).toBeGreaterThanOrEqual(2);
    const states = events.filter((e): e is Extract<LoopEvent, { type: 'freshness' }> => e.type === 'freshness').map((e) => e.status.state);
    expect(states[0]).toBe('down');
    expect(states).toContain('fresh');
    expect(events.some((e) => e.type === 'freshness' && e.status.reasons.some((r) => /before the last patch/.test(r)))).toBe(true);
    const verdicts = events.filter((e): e is Extract<LoopEvent, { type: 'attempt-finished' }> => e.type === 'attempt-finished').map((e) => e.verdict);
    expect(verdicts).toEqual(['kept', 'regression']);
    // Rolled back to before the first patch, the kept one included.
    expect(await treeBytes(dir, /(^|\/)(\.git|artifacts|\.smokes-fixer|__pycache__|\.pytest_cache|\.exec-rpc)(\/|$)|^requirements\.snapshot\.txt$/)).toEqual(before);

    // pytest colours list diffs inside tracebacks; the report and the failures must stay plain text.
    const html = readFileSync(join(dir, 'artifacts', 'smoke.html'), 'utf8');
    expect(html).toContain('At index 0 diff');
    expect(html).not.toMatch(/\u001b|#x1B|\[39;49;00m/);
    const failures = events.flatMap((e) => (e.type === 'run-finished' ? e.run.failures : []));
    expect(failures.some((f) => /\u001b/.test(f.longrepr ?? ''))).toBe(false);
    const bundle = bundleSchema.parse(JSON.parse(readFileSync(join(dir, 'artifacts', 'escalation.json'), 'utf8')));
    expect(bundle.last_patch_diff).toContain('page_count');
    expect(bundle.exec_rpc_freshness?.meta).toContain('"t_ms"');
    expect(bundle.exec_rpc_freshness?.ss ?? '').toMatch(new RegExp(`:${port}\\b|^$`));
  });

  it('ends with every test passing when the producer offers only good fixes', async () => {
    const { dir, env, port } = await demo('success');
    // The producer command inherits the engine's environment: tell propose.mjs which story to tell.
    process.env.SMOKES_DEMO_STORY = 'success';
    const { outcome } = await loop(dir, env, port).finally(() => delete process.env.SMOKES_DEMO_STORY);
    expect(outcome.kind, JSON.stringify(outcome).slice(0, 1500)).toBe('success');
    if (outcome.kind !== 'success') return;
    expect(outcome.appliedPatches).toHaveLength(3);
    expect(outcome.summary.fixed).toHaveLength(3);
  });

  it('escalates with "retry budget" when the service stays stale after restart and probe', async () => {
    const { dir, env, port } = await demo();
    // A probe that never reports t_ms: the service can never be shown fresh.
    await writeFile(join(dir, 'scripts', 'exec_rpc_probe.sh'), '#!/bin/sh\necho \'{"git_sha": "x", "started_at": "y"}\'\n');
    await chmod(join(dir, 'scripts', 'exec_rpc_probe.sh'), 0o755);
    git(dir, 'commit', '-qam', 'broken probe');
    const { outcome, events } = await loop(dir, env, port);
    expect(outcome.kind).toBe('escalated');
    if (outcome.kind !== 'escalated') return;
    expect(outcome.reason).toBe('retry budget');
    expect(outcome.detail).toMatch(/stays stale/);
    // No test ran on a stale service.
    expect(events.some((e) => e.type === 'run-finished')).toBe(false);
  });
});
