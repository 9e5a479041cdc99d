import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, resolveCliSettings, RUN_FLAGS, UsageError } from '../../src/cli/options';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

async function ws(config?: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-cli-'));
  dirs.push(dir);
  if (config !== undefined) await writeFile(join(dir, '.smokes-fixer.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

async function resolveArgs(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const { values } = parseCommandLine(argv, RUN_FLAGS);
  return resolveCliSettings(values, env);
}

describe('CLI settings', () => {
  it('reads the config file and lets flags win', async () => {
    const dir = await ws({ maxLoops: 4, producer: 'command', producerCommand: './p.sh', markExpr: 'smoke' });
    const { settings, workspace } = await resolveArgs(['--cwd', dir, '--max-loops', '7', '--select', 'tests/a.py::t', '--select', 'tests/b.py::u']);
    expect(workspace).toBe(dir);
    expect(settings.maxLoops).toBe(7);
    expect(settings.producer).toBe('command');
    expect(settings.producerCommand).toBe('./p.sh');
    expect(settings.select).toEqual(['tests/a.py::t', 'tests/b.py::u']);
    expect(settings.markExpr).toBe('smoke');
  });

  it('names the bad field and its flag', async () => {
    const dir = await ws();
    await expect(resolveArgs(['--cwd', dir, '--max-loops', '11'])).rejects.toThrow(/maxLoops \(--max-loops\)/);
    await expect(resolveArgs(['--cwd', dir, '--retries', 'three'])).rejects.toThrow(/retries \(--retries\)/);
    await expect(resolveArgs(['--cwd', dir, '--producer', 'oracle'])).rejects.toThrow(/producer \(--producer\)/);
    await expect(resolveArgs(['--cwd', dir, '--meta-url', 'not a url'])).rejects.toThrow(/metaUrl/);
  });

  it('rejects a broken or unknown config file with the file named', async () => {
    const broken = await ws('{ "maxLoops": ');
    await expect(resolveArgs(['--cwd', broken])).rejects.toBeInstanceOf(UsageError);
    await expect(resolveArgs(['--cwd', broken])).rejects.toThrow(/\.smokes-fixer\.json is not valid/);
    const unknown = await ws({ maxLoop: 3 });
    await expect(resolveArgs(['--cwd', unknown])).rejects.toThrow(/unknown setting\(s\) maxLoop/);
  });

  it('turns on ND_SMOKE from the CLI environment or the flag', async () => {
    const dir = await ws();
    expect((await resolveArgs(['--cwd', dir], {})).settings.ndSmoke).toBe(false);
    expect((await resolveArgs(['--cwd', dir], { ND_SMOKE: '1' })).settings.ndSmoke).toBe(true);
    expect((await resolveArgs(['--cwd', dir, '--nd-smoke'], {})).settings.ndSmoke).toBe(true);
  });

  it('rejects unknown flags readably', () => {
    expect(() => parseCommandLine(['--max-loop', '3'], RUN_FLAGS)).toThrow(UsageError);
  });
});
