import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProducer, commandProgram } from '../../src/producers/preflight';
import { defaultSettings, type Settings } from '../../src/core/settings';

const settings = (o: Partial<Settings>): Settings => ({ ...defaultSettings, ...o });

describe('commandProgram', () => {
  it('finds the program a shell command line starts', () => {
    expect(commandProgram('python3 propose.py --json')).toBe('python3');
    expect(commandProgram('FOO=1 BAR="a b" ./tools/propose.sh')).toBe('./tools/propose.sh');
    expect(commandProgram("'/opt/my tools/propose' --x")).toBe('/opt/my tools/propose');
    expect(commandProgram('propose|tee log')).toBe('propose');
    expect(commandProgram('propose && other')).toBe('propose');
  });

  it('leaves shell syntax and builtins to the shell', () => {
    for (const line of ['exit 3', 'cd tools && ./propose', '(cd x; y)', '{ a; }', 'if true; then x; fi', '$PROPOSER --x', '. ./env.sh; propose']) {
      expect(commandProgram(line)).toBeNull();
    }
  });
});

describe('checkProducer', () => {
  it('command: a program on PATH or an executable file can start; anything else names what to change', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'sf-preflight-'));
    try {
      writeFileSync(join(ws, 'propose.sh'), '#!/bin/sh\n');
      const env = { PATH: process.env.PATH };
      const notExecutable = await checkProducer(settings({ producer: 'command', producerCommand: './propose.sh' }), { workspace: ws, env });
      expect(notExecutable).toMatchObject({ ok: false, setting: 'producerCommand' });
      expect(notExecutable.detail).toMatch(/\.\/propose\.sh is not executable/);
      chmodSync(join(ws, 'propose.sh'), 0o755);
      expect((await checkProducer(settings({ producer: 'command', producerCommand: './propose.sh' }), { workspace: ws, env })).ok).toBe(true);
      expect((await checkProducer(settings({ producer: 'command', producerCommand: 'sh -c true' }), { workspace: ws, env })).ok).toBe(true);
      const missing = await checkProducer(settings({ producer: 'command', producerCommand: 'no-such-tool --diff' }), { workspace: ws, env });
      expect(missing.ok).toBe(false);
      expect(missing.detail).toBe('the producer command "no-such-tool --diff" cannot start: no-such-tool is not on PATH');
      expect(missing.hint).toContain('--producer-command');
      expect((await checkProducer(settings({ producer: 'command', producerCommand: 'sh' }), { workspace: ws, env: { PATH: '' } })).ok).toBe(false);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('openai: the URL well formed and http(s), the key set unless the endpoint is local', async () => {
    const o = { workspace: '/w' };
    expect(await checkProducer(settings({ producer: 'openai', openaiApiKeyEnv: 'K' }), { ...o, env: {} })).toMatchObject({ ok: false, setting: 'openaiApiKeyEnv' });
    expect((await checkProducer(settings({ producer: 'openai', openaiApiKeyEnv: 'K' }), { ...o, env: { K: 'sk-1' } })).ok).toBe(true);
    expect((await checkProducer(settings({ producer: 'openai', openaiBaseUrl: 'http://127.0.0.1:11434/v1' }), { ...o, env: {} })).ok).toBe(true);
    expect(await checkProducer(settings({ producer: 'openai', openaiBaseUrl: 'ftp://models.example/v1' }), { ...o, env: { OPENAI_API_KEY: 'k' } })).toMatchObject({ ok: false, setting: 'openaiBaseUrl' });
    expect(await checkProducer(settings({ producer: 'openai', openaiBaseUrl: 'not a url' }), { ...o, env: { OPENAI_API_KEY: 'k' } })).toMatchObject({ ok: false, setting: 'openaiBaseUrl' });
    expect((await checkProducer(settings({ producer: 'manual' }), { ...o, env: {} })).ok).toBe(true);
  });
});
