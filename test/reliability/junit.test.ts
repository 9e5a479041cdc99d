import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJUnit, parseJUnit } from '../../src/core/junit';
import { readJUnitReport } from '../../src/core/pytestRunner';
import { SmokesError } from '../../src/core/errors';
import { Figures } from './figures';

// JUnit XML as a hostile or broken file: every bad input is a clear `junit-unreadable` error with a hint,
// no entity is ever expanded, and odd but legal encodings are read exactly.

const figures = new Figures('junit');
afterAll(() => figures.write());

const ONE = (message: string) =>
  `<testsuites><testsuite name="pytest" tests="1" failures="1" errors="0" skipped="0" time="0.1">` +
  `<testcase classname="tests.smoke.test_a" name="test_a" time="0.01"><failure message="${message}">tb</failure></testcase>` +
  `</testsuite></testsuites>`;

function expectUnreadable(run: () => unknown, pattern: RegExp): void {
  figures.tried();
  let thrown: unknown = null;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof SmokesError) || thrown.code !== 'junit-unreadable') {
    figures.failed('let-through', `not refused: ${pattern}`);
  }
  expect(thrown).toBeInstanceOf(SmokesError);
  expect((thrown as SmokesError).code).toBe('junit-unreadable');
  expect((thrown as SmokesError).message).toMatch(pattern);
  expect((thrown as SmokesError).hint).toBeTruthy();
}

const LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
${ONE('&lol9;')}`;

describe('JUnit: broken and hostile files', () => {
  it('empty, whitespace-only, not XML, and a file cut short at every 97th byte are clear errors', () => {
    expectUnreadable(() => parseJUnit(''), /empty/);
    expectUnreadable(() => parseJUnit(' \n\t '), /empty/);
    expectUnreadable(() => parseJUnit('{"tests": 3, "failures": 1}'), /malformed|no <testsuites>/);
    expectUnreadable(() => parseJUnit('============ 1 failed in 0.1s ============'), /malformed|no <testsuites>/);
    expectUnreadable(() => parseJUnit('<html><body>502 Bad Gateway</body></html>'), /no <testsuites>/);
    const whole = `<?xml version="1.0" encoding="utf-8"?>${ONE('AssertionError: assert 1 == 2&#10;second line')}`;
    expect(parseJUnit(whole).cases[0]!.message).toBe('AssertionError: assert 1 == 2\nsecond line');
    for (let cut = 1; cut < whole.length - 1; cut += 97) {
      expectUnreadable(() => parseJUnit(whole.slice(0, cut)), /malformed or cut short|no <testsuites>|empty/);
    }
  });

  it('a billion-laughs DOCTYPE is refused before any entity is read; no expansion reaches a result', () => {
    expectUnreadable(() => parseJUnit(LAUGHS), /DOCTYPE/);
    // The same after a comment or processing instruction in the prolog, and in any case.
    expectUnreadable(() => parseJUnit(`<?xml version="1.0"?><!-- generated --><?pi x?>\n<!doctype x [<!ENTITY a "b">]>${ONE('&a;')}`), /DOCTYPE/);
    // External entities (file disclosure) likewise.
    expectUnreadable(() => parseJUnit(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${ONE('&xxe;')}`), /DOCTYPE/);
    // An undeclared entity reference without a DOCTYPE stays literal text: nothing expands it.
    figures.tried();
    const report = parseJUnit(ONE('&lol9; &amp; &#10;'));
    expect(report.cases[0]!.message).toBe('&lol9; & \n');
  });

  it('the CLI refuses a billion-laughs file with the reason and a hint, never expanding it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-junit-'));
    try {
      execFileSync('node', ['esbuild.mjs'], { cwd: join(__dirname, '..', '..'), stdio: 'ignore' });
      const file = join(dir, 'lol.xml');
      await writeFile(file, LAUGHS);
      figures.tried();
      const r = spawnSync('node', [join(__dirname, '..', '..', 'dist', 'cli.js'), 'signatures', file], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/DOCTYPE.*not written by pytest/s);
      expect(r.stdout).not.toContain('lol');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('odd encodings: UTF-16 (both byte orders, with and without a mark) and a latin-1 declaration read exactly; bytes that lie are clear errors', () => {
    const text = `<?xml version="1.0" encoding="UTF-16"?>${ONE('ValueError: café naïve — ünïcode')}`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const cases: Array<[string, Buffer]> = [
      ['utf-16le with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), le])],
      ['utf-16be with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), be])],
      ['utf-16le without BOM', le],
      ['utf-16be without BOM', be],
      ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace('UTF-16', 'UTF-8'), 'utf8')])],
    ];
    for (const [, bytes] of cases) {
      figures.tried();
      expect(parseJUnit(decodeJUnit(bytes)).cases[0]!.message).toBe('ValueError: café naïve — ünïcode');
    }
    figures.tried();
    const latin = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${ONE('ValueError: café')}`, 'latin1');
    expect(parseJUnit(decodeJUnit(latin)).cases[0]!.message).toBe('ValueError: café');
    // latin-1 bytes under a UTF-8 declaration (or none) are not silently turned into U+FFFD.
    expectUnreadable(() => decodeJUnit(Buffer.from(`<?xml version="1.0" encoding="utf-8"?>${ONE('café')}`, 'latin1')), /not valid UTF-8/);
    expectUnreadable(() => decodeJUnit(Buffer.from(`${ONE('café')}`, 'latin1')), /not valid UTF-8/);
    expectUnreadable(() => decodeJUnit(Buffer.from(`<?xml version="1.0" encoding="Shift_JIS"?>${ONE('x')}`, 'latin1')), /shift_jis/);
    // A lone surrogate half in UTF-16 is invalid text.
    expectUnreadable(() => decodeJUnit(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a>', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('</a>', 'utf16le')])), /not valid UTF-16/);
  });

  it('a huge file (20,000 test cases, ~10 MB of traceback text) is read whole and exactly', () => {
    const tb = 'x'.repeat(500);
    const parts = ['<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="20000" failures="10000" errors="0" skipped="0" time="1">'];
    for (let i = 0; i < 20_000; i++) {
      parts.push(i % 2 ? `<testcase classname="t" name="test_${i}" time="0"><failure message="E${i}">${tb}</failure></testcase>` : `<testcase classname="t" name="test_${i}" time="0"/>`);
    }
    parts.push('</testsuite></testsuites>');
    figures.tried();
    const report = parseJUnit(decodeJUnit(Buffer.from(parts.join(''), 'utf8')));
    expect(report.cases).toHaveLength(20_000);
    expect(report.cases.filter((c) => c.outcome === 'failed')).toHaveLength(10_000);
    expect(report.cases[19_999]).toMatchObject({ name: 'test_19999', outcome: 'failed', message: 'E19999', text: tb });
    expect(report.totals.failures).toBe(10_000);
  });

  it('readJUnitReport: a missing, a truncated and a DOCTYPE file each name the file and pytest\'s own summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-junit-'));
    try {
      const output = '==== 1 failed, 2 passed in 0.12s ====';
      for (const [name, content, pattern] of [
        ['missing.xml', null, /wrote no JUnit XML/],
        ['cut.xml', ONE('x').slice(0, 80), /cut short/],
        ['lol.xml', LAUGHS, /DOCTYPE/],
        ['utf16.xml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a>', 'utf16le'), Buffer.from([0x00, 0xd8])]), /UTF-16/],
      ] as const) {
        const path = join(dir, name);
        if (content !== null) await writeFile(path, content);
        figures.tried();
        const error = await readJUnitReport(path, output).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SmokesError);
        expect((error as SmokesError).code).toBe('junit-unreadable');
        expect((error as SmokesError).message).toMatch(pattern);
        expect((error as SmokesError).message).toContain('1 failed, 2 passed');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
