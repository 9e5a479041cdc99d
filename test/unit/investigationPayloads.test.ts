import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildPrivatePayload,
  buildPublicPayload,
  errorLines,
  formatPayloadForTool,
  scrubPublicText,
  topUserFrame,
} from '../../src/core/investigation/payloads';
import { discoverUserModules, packagesInTraceback } from '../../src/core/investigation/workspaceFacts';
import type { Failure } from '../../src/core/types';

const failure = (over: Partial<Failure> = {}): Failure => ({
  nodeid: 'tests/smoke/test_a.py::test_a',
  kind: 'failed',
  exceptionType: 'ValueError',
  location: { file: 'app/core.py', line: 50 },
  message: 'bad',
  signature: 'sig',
  ...over,
});

const SITE = '/opt/venv/lib/python3.11/site-packages';
const STDLIB = '/usr/local/lib/python3.11';

// ---------------------------------------------------------------------------------------------
// Generators for arbitrary workspaces and the failures they produce

/** Words the payload's own template and the fixed public names use; a user module by such a name is not a leak. */
const RESERVED = new Set(
  (
    'what does this python error mean and usually fixes symbols involved versions text code path url email secret ip host module ' +
    'requests sessions request json decoder decode loads raw_decode api get exceptions httperror valueerror keyerror ' +
    'bearer basic token key api_key password none true false self line char column value expecting assert where from with ' +
    'the for in is it to of on at no not bad cannot reach user file'
  ).split(' '),
);

const ident = fc
  .stringMatching(/^[a-z][a-z0-9_]{3,10}$/)
  .filter((s) => !RESERVED.has(s) && !s.endsWith('_'));
const segment = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{2,10}$/);
const tld = fc.constantFrom('com', 'internal', 'corp', 'io', 'net', 'local', 'dev');
const hostName = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{1,8}[a-z0-9]$/), fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/), tld)
  .map(([a, b, t]) => `${a}.${b}.${t}`);
const secretValue = fc.stringMatching(/^[A-Za-z0-9_-]{10,30}$/);
const secrets = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 32 }).map((b) => ({ shown: Buffer.from(b).toString('hex'), hidden: Buffer.from(b).toString('hex') })),
  fc.stringMatching(/^[A-Za-z0-9+/]{21,40}$/).map((s) => ({ shown: `Ab1${s}`, hidden: `Ab1${s}` })),
  secretValue.map((v) => ({ shown: `api_key=${v}`, hidden: v })),
  secretValue.map((v) => ({ shown: `password: "${v}"`, hidden: v })),
  secretValue.map((v) => ({ shown: `Authorization: Bearer ${v}`, hidden: v })),
  fc.stringMatching(/^[A-Z0-9]{16}$/).map((v) => ({ shown: `AKIA${v}`, hidden: `AKIA${v}` })),
);
const ipv6 = fc.ipV6().filter((ip) => /[0-9a-f]/i.test(ip) && ip.length >= 4);
const codeLine = fc
  .tuple(ident, ident, ident, fc.integer({ min: 10, max: 99999 }), fc.constantFrom('', '    ', '        '))
  .map(([a, b, c, n, indent]) => `${indent}${a} = ${b}(${c}, ${n})`);

interface World {
  workspace: string;
  modules: string[];
  files: Array<{ rel: string; lines: string[] }>;
  traceback: string;
  errorText: string;
  injected: string[];
}

const world: fc.Arbitrary<World> = fc
  .record({
    root: fc.array(segment, { minLength: 1, maxLength: 4 }),
    modules: fc.uniqueArray(ident, { minLength: 1, maxLength: 4 }),
    fileLines: fc.array(fc.uniqueArray(codeLine, { minLength: 3, maxLength: 30, selector: (l) => l.trim() }), { minLength: 1, maxLength: 3 }),
    fileNames: fc.array(ident, { minLength: 3, maxLength: 3 }),
    emails: fc.array(fc.emailAddress(), { maxLength: 2 }),
    ipv4s: fc.array(fc.ipV4(), { maxLength: 2 }),
    ipv6s: fc.array(ipv6, { maxLength: 2 }),
    hosts: fc.array(hostName, { maxLength: 2 }),
    secrets: fc.array(secrets, { maxLength: 3 }),
    native: fc.boolean(),
    absoluteUserPaths: fc.boolean(),
    picks: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
    excType: fc.constantFrom('ValueError', 'requests.exceptions.HTTPError', 'json.decoder.JSONDecodeError', 'USERMOD.errors.PaymentError', 'KeyError'),
  })
  .map((r) => {
    const workspace = '/' + r.root.join('/');
    const files = r.fileLines.map((lines, k) => ({ rel: `${r.modules[k % r.modules.length]}/${r.fileNames[k]}.py`, lines }));
    const pick = <T,>(xs: T[], k: number): T => xs[r.picks[k]! % xs.length]!;
    const userPath = (f: { rel: string }) => (r.absoluteUserPaths || r.native ? `${workspace}/${f.rel}` : f.rel);
    const frames: Array<{ file: string; line: number; func: string; source: string }> = [];
    files.forEach((f, k) => {
      const i = r.picks[k]! % f.lines.length;
      frames.push({ file: userPath(f), line: i + 1, func: `handler_${k}`, source: f.lines[i]! });
    });
    frames.splice(1, 0, { file: `${SITE}/requests/sessions.py`, line: 589, func: 'request', source: 'resp = self.send(prep, **send_kwargs)' });
    frames.push({ file: `${STDLIB}/json/decoder.py`, line: 355, func: 'raw_decode', source: 'raise JSONDecodeError("Expecting value", s, err.value) from None' });

    const firstUser = files[0]!;
    const quoted = pick(firstUser.lines, 5).trim();
    const mod = pick(r.modules, 6);
    const injected = [
      ...r.emails,
      ...r.ipv4s,
      ...r.ipv6s,
      ...r.hosts,
      ...r.secrets.map((s) => s.shown),
      workspace,
      `${workspace}/${firstUser.rel}`,
      mod,
      `${mod}.settings`,
      quoted,
    ];
    // Words between the pieces, in an order the picks decide, so the scrubbers meet them in any context.
    const glue = [' ', ': ', " '", "' ", ' (', ') ', ', ', ' at ', '=', ' <', '> '];
    const pieces = [...injected].sort((a, b) => ((a.length * 31 + r.picks[7]!) % 7) - ((b.length * 31 + r.picks[7]!) % 7));
    const message = pieces.map((p, k) => `${p}${glue[(k + r.picks[4]!) % glue.length]}`).join('');
    const excType = r.excType.replace('USERMOD', mod);
    const head = `${excType}: cannot reach ${message}`;
    const hidden = [
      ...r.emails,
      ...r.ipv4s,
      ...r.ipv6s,
      ...r.hosts,
      ...r.secrets.map((s) => s.hidden),
    ];
    let traceback: string;
    if (r.native) {
      traceback = [
        'Traceback (most recent call last):',
        ...frames.flatMap((f) => [`  File "${f.file}", line ${f.line}, in ${f.func}`, `    ${f.source.trim()}`]),
        head,
        `assert ${quoted}`,
      ].join('\n');
    } else {
      traceback = frames
        .flatMap((f, k) => [
          '',
          `    def ${f.func}(x):`,
          `>       ${f.source.trim()}`,
          ...(k === frames.length - 1 ? [`E       ${head}`, `E       assert ${quoted}`, `E        +  where 3 = ${quoted}`] : []),
          '',
          `${f.file}:${f.line}: ${k === frames.length - 1 ? excType : `in ${f.func}`}`,
          '_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _',
          `x = '${f.file}'`,
        ])
        .join('\n');
    }
    return { workspace, modules: r.modules, files, traceback, errorText: traceback, injected: hidden };
  });

function wordIn(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'i').test(text);
}

describe('the public payload (property)', () => {
  it('never carries workspace code, private paths, user module names, addresses, hosts or secrets', () => {
    fc.assert(
      fc.property(world, (w) => {
        const payload = buildPublicPayload({
          errorText: w.errorText,
          traceback: w.traceback,
          workspace: w.workspace,
          userModules: w.modules,
          versions: { python: '3.11.7', packages: { requests: '2.31.0', [w.modules[0]!]: '1.0' } },
          codeLines: w.files.flatMap((f) => f.lines),
        });
        const text = formatPayloadForTool(payload);
        const all = `${text}\n${JSON.stringify(payload)}`;
        for (const f of w.files) {
          for (const line of f.lines) expect(all).not.toContain(line.trim());
          expect(all).not.toContain(`${w.workspace}/${f.rel}`);
          expect(all).not.toContain(f.rel);
        }
        expect(all).not.toContain(w.workspace);
        for (const m of w.modules) expect(wordIn(all, m), `module ${m} in ${text}`).toBe(false);
        for (const s of w.injected) expect(all, `${s} in ${text}`).not.toContain(s);
        // What it may carry is still there: the exception and the public names.
        expect(payload.symbols).toContain('requests.sessions.request');
        expect(payload.symbols).toContain('json.decoder.raw_decode');
        expect(payload.versions).toEqual({ python: '3.11.7', packages: { requests: '2.31.0' } });
        expect(payload.error).toMatch(/cannot reach/);
      }),
      { numRuns: 300 },
    );
  });

  it('scrubs any text it is given, whatever the surroundings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.emailAddress(), fc.ipV4(), ipv6, hostName, secrets.map((s) => s.shown)), { minLength: 1, maxLength: 5 }),
        fc.array(fc.constantFrom(' ', '(', ')', "'", '"', ', ', ': ', '=', '[', ']', '/', ';'), { minLength: 6, maxLength: 6 }),
        (items, seps) => {
          const text = items.map((s, k) => `${seps[k % seps.length]}${s}`).join(' word ');
          const out = scrubPublicText(text, { userModules: [] });
          for (const s of items) {
            const hidden = /^(api_key=|password: "|Authorization: Bearer )/.test(s) ? s.replace(/^.*?(=|"|Bearer )/, '').replace(/"$/, '') : s;
            expect(out, `${hidden} in ${out}`).not.toContain(hidden);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

// Shapes a first user met: dot-less internal hosts with a port, national identifiers, card numbers; and
// ordinary words that must survive scrubbing.
const dotlessHost = fc
  .stringMatching(/^[a-z][a-z0-9-]{2,12}[a-z0-9]$/)
  .filter((h) => !/^(line|lines|col|column|offset|pos|position|index|item|step|attempt|retry|retries|size|len|length|count|page|row|char|byte|version|python|pytest|errno|code|status|exit|word|localhost)$/.test(h));
const port = fc.integer({ min: 10, max: 65535 });
const ssn = fc.tuple(fc.integer({ min: 100, max: 899 }), fc.integer({ min: 10, max: 99 }), fc.integer({ min: 1000, max: 9999 })).map(([a, b, c]) => `${a}-${b}-${c}`);
/** A Luhn-valid number of 13–19 digits, written plain, in groups of four with spaces, or with dashes. */
const cardNumber = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 }), fc.constantFrom('', ' ', '-'))
  .map(([body, sep]) => {
    const digits = [4, ...body.slice(1)];
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits[digits.length - 1 - i]!;
      if (i % 2 === 0) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    const all = [...digits, (10 - (sum % 10)) % 10].join('');
    return { digits: all, shown: sep ? all.replace(/(\d{4})(?=\d)/g, `$1${sep}`) : all };
  });
const ORDINARY = [
  'Connection refused',
  'Connection reset by peer',
  'TCP/IP',
  'I/O',
  'Name or service not known',
  'Temporary failure in name resolution',
  'Errno 111',
  'timed out after 30 seconds',
  'expected 12 but got 13',
  'at line 3:14',
];

describe('the public payload: hosts with ports, identifiers, card numbers, ordinary words (property)', () => {
  it('a name:port is a host wherever it stands, and its port stays', () => {
    fc.assert(
      fc.property(dotlessHost, port, fc.constantFrom('Error 111 connecting to %. Connection refused.', 'could not reach %', '(%)', "'%'", 'upstream=% failed', '[%]', 'redis://x@%/0', '%: timeout'), (host, p, template) => {
        const out = scrubPublicText(template.replace('%', `${host}:${p}`), { userModules: [] });
        expect(out).not.toContain(host);
        if (!template.includes('://')) expect(out).toContain(`<host>:${p}`);
      }),
      { numRuns: 300 },
    );
  });

  it('numbers shaped like social-security or Luhn-valid card numbers are replaced, with or without separators', () => {
    fc.assert(
      fc.property(ssn, cardNumber, fc.constantFrom('ValueError: bad %', 'customer % not found', '%', 'id=(%)'), (id, card, template) => {
        const a = scrubPublicText(template.replace('%', id), { userModules: [] });
        expect(a).not.toContain(id);
        expect(a).toContain('<id-number>');
        const b = scrubPublicText(template.replace('%', card.shown), { userModules: [] });
        expect(b).not.toContain(card.shown);
        expect(b.replace(/\D/g, '')).not.toContain(card.digits.slice(-8));
      }),
      { numRuns: 300 },
    );
  });

  it('literal secret values are replaced wherever they stand', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{6,24}$/), fc.constantFrom('token %', '%', 'x%y', 'got "%"'), (secret, template) => {
        const out = scrubPublicText(template.replace('%', secret), { userModules: [], secrets: [secret] });
        expect(out).not.toContain(secret);
      }),
      { numRuns: 200 },
    );
  });

  it('ordinary words stay, after host-like keys too', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ORDINARY), fc.constantFrom('%', 'ConnectionRefusedError: [Errno 111] %', 'Error connecting to server: %', 'host: %', 'OSError: %'), (words, template) => {
        const text = template.replace('%', words);
        expect(scrubPublicText(text, { userModules: [] })).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the private payload (property)', () => {
  it('never carries more than 40 lines of the workspace code, and keeps the crash line in view', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (size, a, b, c) => {
          const lines = Array.from({ length: size }, (_, k) => `value_${k}_${(a * 7 + k) % 997} = compute_${k}()`);
          const from = a % size;
          const to = from + 1 + (b % (size - from));
          const focus = from + 1 + (c % (to - from));
          const traceback = lines
            .slice(0, Math.min(size, 120))
            .map((l, k) => (k % 3 === 0 ? `>       ${l}` : `        ${l}`))
            .concat(['E       ValueError: bad', '', `app/core.py:${focus}: ValueError`])
            .join('\n');
          const payload = buildPrivatePayload({
            errorText: traceback,
            failure: failure({ location: { file: 'app/core.py', line: focus } }),
            codeContext: { file: 'app/core.py', startLine: from + 1, text: lines.slice(from, to).join('\n') + '\n' },
          });
          const text = formatPayloadForTool(payload);
          expect(payload.code!.text.split('\n').filter(Boolean).length).toBeLessThanOrEqual(40);
          expect(lines.filter((l) => text.includes(l)).length).toBeLessThanOrEqual(40);
          expect(payload.code!.startLine).toBeLessThanOrEqual(focus);
          expect(payload.code!.endLine).toBeGreaterThanOrEqual(focus);
          expect(payload.location).toEqual({ file: 'app/core.py', line: focus });
          expect(payload.code!.text.split('\n')[focus - payload.code!.startLine]).toBe(lines[focus - 1]);
          expect(payload.error).toBe('ValueError: bad');
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Examples

describe('topUserFrame', () => {
  const ws = '/home/dev/shop';

  it('picks the innermost user frame of a native traceback, past the stdlib and site-packages', () => {
    const tb = [
      'Traceback (most recent call last):',
      `  File "${ws}/tests/smoke/test_api.py", line 8, in test_api`,
      '    load()',
      `  File "${ws}/shopcore/settings.py", line 12, in load`,
      '    return json.loads(text)',
      `  File "${STDLIB}/json/__init__.py", line 346, in loads`,
      '    return _default_decoder.decode(s)',
      `  File "${ws}/.venv/lib/python3.11/site-packages/requests/api.py", line 73, in get`,
      '    return request("get", url)',
      'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)',
    ].join('\n');
    expect(topUserFrame(tb, ws)).toEqual({ file: 'shopcore/settings.py', line: 12 });
  });

  it("reads pytest's long and short forms and skips pytest's own frames", () => {
    const long = [
      '    def test_div():',
      '>       assert div(1, 0) == 0',
      '',
      'tests/test_calc.py:5: ',
      '_ _ _ _ _ _ _ _',
      '',
      '    def div(a, b):',
      '>       return a // b',
      'E       ZeroDivisionError: integer division or modulo by zero',
      '',
      'calc/__init__.py:13: ZeroDivisionError',
    ].join('\n');
    expect(topUserFrame(long, ws)).toEqual({ file: 'calc/__init__.py', line: 13 });
    const short = [
      'tests/test_calc.py:5: in test_div',
      '    assert div(1, 0) == 0',
      '/usr/lib/python3/dist-packages/_pytest/python.py:159: in pytest_pyfunc_call',
      '    result = testfunction(**testargs)',
      `${ws}/.venv/lib/python3.11/site-packages/pluggy/_hooks.py:512: in __call__`,
      'E   ZeroDivisionError: boom',
    ].join('\n');
    expect(topUserFrame(short, ws)).toEqual({ file: 'tests/test_calc.py', line: 5 });
  });

  it('returns null when no frame is in the workspace', () => {
    const tb = [`${STDLIB}/json/decoder.py:355: in raw_decode`, '../elsewhere/mod.py:3: in f', '<frozen importlib._bootstrap>:1: in _load', 'E   x'].join('\n');
    expect(topUserFrame(tb, ws)).toBeNull();
    expect(topUserFrame('', ws)).toBeNull();
  });
});

describe('errorLines', () => {
  it("takes pytest's E lines, without their common indent", () => {
    expect(errorLines('>   x()\nE       assert 1 == 2\nE        +  where 1 = f()\n\nt.py:3: AssertionError')).toEqual(['assert 1 == 2', ' +  where 1 = f()']);
  });
  it('takes the exception after the last frame of a native traceback', () => {
    const tb = 'Traceback (most recent call last):\n  File "/a/b.py", line 3, in f\n    secret_line = 1\nKeyError: 3\n\nDuring...';
    expect(errorLines(tb)).toEqual(['KeyError: 3', '', 'During...']);
  });
});

describe('buildPublicPayload examples', () => {
  it('keeps the public facts of a requests failure and removes the private ones', () => {
    const ws = '/srv/alice/billing-app';
    const tb = [
      `${ws}/billing/client.py:41: in charge`,
      '    resp = requests.post(f"https://{API_HOST}/charge", headers={"Authorization": f"Bearer {TOKEN}"})',
      `${SITE}/requests/api.py:115: in post`,
      '    return request("post", url, data=data, json=json, **kwargs)',
      `${SITE}/requests/adapters.py:700: in send`,
      '    raise ConnectionError(e, request=request)',
      "E   requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pay.internal.corp', port=443): Max retries exceeded with url: /charge?user=ops@billing.example (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a2c1b9d90>: Failed to establish a new connection: [Errno 111] Connection refused'))",
      "E   while calling billing.client.charge from /srv/alice/billing-app/billing/client.py with token=sk_live_51Habc9XyZ0123456789 and key AKIAIOSFODNN7EXAMPLE at 10.20.30.40 / fe80::1ff:fe23:4567:890a",
    ].join('\n');
    const p = buildPublicPayload({ errorText: tb, traceback: tb, workspace: ws, userModules: ['billing'], versions: { python: '3.11.7', packages: { requests: '2.32.3' } } });
    expect(p.symbols).toEqual(['requests.api.post', 'requests.adapters.send', 'requests.exceptions.ConnectionError']);
    expect(p.error).toContain('requests.exceptions.ConnectionError: HTTPSConnectionPool(host=\'<host>\', port=443): Max retries exceeded');
    expect(p.error).toContain('Connection refused');
    for (const bad of ['pay.internal.corp', 'ops@billing.example', '/srv/alice', 'billing', 'sk_live_51Habc9XyZ0123456789', 'AKIAIOSFODNN7EXAMPLE', '10.20.30.40', 'fe80::1ff:fe23:4567:890a', 'requests.post(f"https', 'Bearer {TOKEN}']) {
      expect(formatPayloadForTool(p)).not.toContain(bad);
    }
    expect(formatPayloadForTool(p)).toContain('Versions: Python 3.11.7, requests 2.32.3');
  });

  it('keeps a KeyError key, and drops a URL with credentials', () => {
    expect(scrubPublicText("KeyError: 'price'", { userModules: [] })).toBe("KeyError: 'price'");
    expect(scrubPublicText('cannot fetch https://bob:hunter2@git.example.org/x.git', { userModules: [] })).toBe('cannot fetch <url>');
  });
});

describe('buildPrivatePayload examples', () => {
  it('keeps short context whole and falls back to the failure when the text has no error lines', () => {
    const p = buildPrivatePayload({ errorText: '', failure: failure({ location: { file: 'app/core.py', line: 2 } }), codeContext: { file: 'app/core.py', startLine: 1, text: 'a = 1\nb = 2\n' } });
    expect(p).toEqual({ helper: 'private', error: 'ValueError: bad', location: { file: 'app/core.py', line: 2 }, code: { file: 'app/core.py', startLine: 1, endLine: 2, text: 'a = 1\nb = 2\n' } });
    expect(formatPayloadForTool(p)).toContain('Code around app/core.py:2:\n1 | a = 1\n2 | b = 2');
  });
});

describe('workspace facts', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await mkdtemp(join(tmpdir(), 'sf-facts-'));
    for (const d of ['shopcore', 'tests', '.venv', 'docs', 'src/ledgerlib', 'data', 'venv2']) await mkdir(join(ws, d), { recursive: true });
    await writeFile(join(ws, 'shopcore', '__init__.py'), '');
    await writeFile(join(ws, 'src', 'ledgerlib', 'core.py'), '');
    await writeFile(join(ws, 'tests', 'test_x.py'), '');
    await writeFile(join(ws, 'venv2', 'pyvenv.cfg'), '');
    await writeFile(join(ws, 'venv2', 'x.py'), '');
    await writeFile(join(ws, 'data', 'prices.csv'), '');
    for (const f of ['tasks_runner.py', 'conftest.py', 'setup.py', 'test_top.py', 'README.md']) await writeFile(join(ws, f), '');
  });
  afterAll(async () => {
    await rm(ws, { recursive: true, force: true });
  });

  it('finds the user modules: top-level files and packages, also under src/, not tests or venvs', async () => {
    expect(await discoverUserModules(ws)).toEqual(['ledgerlib', 'shopcore', 'tasks_runner']);
  });

  it('reads the versions of the installed packages in a traceback with the interpreter', async () => {
    const file = execFileSync('python3', ['-c', 'import iniconfig; print(iniconfig.__file__)'], { encoding: 'utf8' }).trim();
    const version = execFileSync('python3', ['-c', 'import importlib.metadata as m; print(m.version("iniconfig"))'], { encoding: 'utf8' }).trim();
    const python = execFileSync('python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();
    const tb = `${file}:10: in parse\n    x\n${ws}/shopcore/__init__.py:1: in f\nE   ValueError: x`;
    expect(await packagesInTraceback({ traceback: tb, workspace: ws, python: 'python3' })).toEqual({ python, packages: { iniconfig: version } });
    expect(await packagesInTraceback({ traceback: tb, workspace: ws, python: '/nonexistent/python' })).toEqual({ python: null, packages: {} });
  });
});
