import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPublicPayload, formatPayloadForTool } from '../../src/core/investigation/payloads';
import { environmentSecrets, secretRedactor } from '../../src/core/secrets';
import { removeWorkspace } from '../integration/helpers/workspace';
import { Figures } from './figures';
import { buildCli, projectWith, runCli } from './harness';

// API keys and tokens in the environment and in test output never reach the bundle, the run log, the
// summary or the public investigation payload. A real CLI run whose failing test prints them all.

const figures = new Figures('secrets');
const made: string[] = [];
beforeAll(() => buildCli(), 120_000);
afterEach(async () => {
  while (made.length) await removeWorkspace(made.pop()!);
});
afterAll(() => figures.write());

const ENV = {
  ACME_API_KEY: 'acme-live-7f3c9a1be24d4c0e',
  DEPLOY_TOKEN: 'dpl_Zq8rT2mVx9LkP3sW',
  DB_PASSWORD: 'correct horse battery staple',
  CLIENT_SECRET: 'c1i3nt-s3cr3t-v4lu3',
  SIGNING_PRIVATE_KEY_PASSPHRASE: 'p4ss-phr4se!',
};
// Shapes that are secrets wherever they come from, printed by the test itself.
const SHAPED = {
  github: 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
  aws: 'AKIA' + 'Z7XQ4N2M8K3P5R6T',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU',
  bearer: 'Bearer ' + 'abc123DEF456ghi789JKL0',
};

const PROJECT = {
  'pytest.ini': '[pytest]\n',
  'tests/smoke/test_smoke_env.py': `import os


def test_smoke_env():
    print("key", os.environ["ACME_API_KEY"], "token", os.environ["DEPLOY_TOKEN"])
    print("password:", os.environ["DB_PASSWORD"], "secret", os.environ["CLIENT_SECRET"])
    print("github ${SHAPED.github} aws ${SHAPED.aws}")
    print("Authorization: ${SHAPED.bearer}")
    assert os.environ["ACME_API_KEY"] == "x", f"key {os.environ['ACME_API_KEY']} / {os.environ['DB_PASSWORD']} / ${SHAPED.jwt} / {os.environ['SIGNING_PRIVATE_KEY_PASSPHRASE']}"
`,
};

function leaks(text: string): string[] {
  const found: string[] = [];
  for (const v of Object.values(ENV)) if (text.includes(v)) found.push(v);
  for (const v of Object.values(SHAPED)) if (text.includes(v.replace(/^Bearer /, ''))) found.push(v);
  return found;
}

describe('secrets: never written to the bundle, the run log or the summary', () => {
  it('a run whose failing test prints the environment\'s keys and token-shaped strings', async () => {
    const dir = await projectWith(PROJECT);
    made.push(dir);
    // The producer echoes the request back as prose and offers nothing: the request (with the test's
    // output) is logged, the answer too.
    const r = await runCli(['run', '--cwd', dir, '--producer', 'command', '--producer-command', 'cat >/dev/null; echo "I saw $ACME_API_KEY"; exit 3', '--json'], { env: ENV });
    expect(r.code, r.stderr).toBe(1);
    const outputs: Record<string, string> = {
      'the bundle on stdout': r.stdout,
      'artifacts/escalation.json': readFileSync(join(dir, 'artifacts', 'escalation.json'), 'utf8'),
      'artifacts/run-log.jsonl': readFileSync(join(dir, 'artifacts', 'run-log.jsonl'), 'utf8'),
    };
    // The run really carried them: the live output (stderr, for the person at the terminal) shows the test's prints.
    expect(r.stderr).toContain(ENV.ACME_API_KEY);
    for (const [where, text] of Object.entries(outputs)) {
      figures.tried();
      figures.compared(1);
      const leaked = leaks(text);
      if (leaked.length) figures.failed('let-through', `${where}: ${leaked.length} secret(s)`);
      expect(leaked, where).toEqual([]);
    }
    // What stands in their place says which variable it was.
    expect(outputs['artifacts/run-log.jsonl']).toContain('<secret:ACME_API_KEY>');
    expect(outputs['artifacts/run-log.jsonl']).toContain('<secret:DB_PASSWORD>');
    expect(outputs['artifacts/escalation.json']).toContain('<secret:ACME_API_KEY>');
    // The bundle is still the spec's valid JSON with its failure.
    expect(JSON.parse(outputs['artifacts/escalation.json']).failures[0].nodeid).toBe('tests/smoke/test_smoke_env.py::test_smoke_env');
  }, 300_000);

  it('the public investigation payload carries none of them', () => {
    const errorText = [
      `E   AssertionError: key ${ENV.ACME_API_KEY} / ${ENV.DB_PASSWORD} / ${SHAPED.jwt}`,
      `E   github ${SHAPED.github} aws ${SHAPED.aws} Authorization: ${SHAPED.bearer}`,
      `E   redis.exceptions.ConnectionError: Error 111 connecting to cache-node-3:6379. Connection refused.`,
      `E   customer 123-45-6789 card 4111 1111 1111 1111`,
    ].join('\n');
    const payload = buildPublicPayload({
      errorText,
      traceback: errorText,
      workspace: '/srv/app',
      userModules: [],
      versions: { python: '3.11.7', packages: {} },
      secrets: environmentSecrets(ENV).map((s) => s.value),
    });
    const text = formatPayloadForTool(payload);
    figures.tried();
    const leaked = [...leaks(text), ...['cache-node-3', '123-45-6789', '4111 1111 1111 1111'].filter((v) => text.includes(v))];
    if (leaked.length) figures.failed('let-through', `public payload: ${leaked.join(', ')}`);
    expect(leaked).toEqual([]);
    // The question keeps its meaning.
    expect(text).toContain('Connection refused');
    expect(text).toContain('<host>:6379');
  });

  it('only variables named like keys, tokens, secrets and passwords are taken, and short values are left alone', () => {
    const found = environmentSecrets({ ...ENV, HOME: '/root', PATH: '/usr/bin', PASSWORD_MIN: '8', GITHUB_TOKEN: '' });
    expect(found.map((f) => f.name).sort()).toEqual(Object.keys(ENV).sort());
    const redact = secretRedactor(found);
    expect(redact(JSON.stringify({ out: `a "${ENV.DB_PASSWORD}" b` }))).toBe(JSON.stringify({ out: 'a "<secret:DB_PASSWORD>" b' }));
    expect(redact('PATH=/usr/bin HOME=/root')).toBe('PATH=/usr/bin HOME=/root');
  });
});
