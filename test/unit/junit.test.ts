import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SmokesError } from '../../src/core/errors';
import { decodeJUnit, JUnitReader, parseJUnit, readJUnitFile } from '../../src/core/junit';
import { MAX_TRACEBACK, SHORTENED_MARK, shortened, TRACEBACK_BUDGET, TracebackBudget } from '../../src/core/keptText';

const dir = mkdtempSync(join(tmpdir(), 'sf-junit-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// As pytest 9 writes it (one line per element here only for readability of the text nodes).
const XML = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="2" tests="5" time="0.043" hostname="vm"><testcase classname="tests.smoke.test_basics" name="test_passes" time="0.120" /><testcase classname="tests.smoke.test_basics" name="test_skipped" time="0.000"><skipped type="pytest.skip" message="not ready">/w/tests/smoke/test_basics.py:18: not ready</skipped></testcase><testcase classname="tests.smoke.test_basics" name="test_known_bug" time="0.000"><skipped type="pytest.xfail" message="known bug" /></testcase><testcase classname="tests.smoke.test_calc" name="test_add[1-2]" time="0.004"><failure message="assert 4 == 3&#10; +  where 4 = add(1, 2)">def test_add():
&gt;       assert add(1, 2) == 3
E       assert 4 == 3

tests/smoke/test_calc.py:8: AssertionError</failure></testcase><testcase classname="tests.smoke.test_calc" name="test_settings" time="0.000"><error message="failed on setup with &quot;KeyError: 'port'&quot;">E       KeyError: 'port'</error></testcase></testsuite></testsuites>`;

function thrown(fn: () => unknown): SmokesError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SmokesError);
    return e as SmokesError;
  }
  throw new Error('expected a SmokesError');
}

describe('parseJUnit', () => {
  it('reads every case with outcome, time, message and traceback text', () => {
    const r = parseJUnit(XML);
    expect(r.totals).toEqual({ tests: 5, failures: 1, errors: 1, skipped: 2, time: 0.043 });
    expect(r.cases.map((c) => [c.classname, c.name, c.outcome])).toEqual([
      ['tests.smoke.test_basics', 'test_passes', 'passed'],
      ['tests.smoke.test_basics', 'test_skipped', 'skipped'],
      ['tests.smoke.test_basics', 'test_known_bug', 'xfailed'],
      ['tests.smoke.test_calc', 'test_add[1-2]', 'failed'],
      ['tests.smoke.test_calc', 'test_settings', 'error'],
    ]);
    expect(r.cases[0]).toEqual({ classname: 'tests.smoke.test_basics', name: 'test_passes', time: 0.12, outcome: 'passed' });
    expect(r.cases[1]).toMatchObject({ type: 'pytest.skip', message: 'not ready', text: '/w/tests/smoke/test_basics.py:18: not ready' });
    expect(r.cases[2]).toMatchObject({ type: 'pytest.xfail', message: 'known bug' });
    expect(r.cases[2].text).toBeUndefined();
    // Entities are decoded, including pytest's `&#10;` for newlines in attributes; indentation is kept.
    expect(r.cases[3].message).toBe('assert 4 == 3\n +  where 4 = add(1, 2)');
    expect(r.cases[3].text).toContain('>       assert add(1, 2) == 3\nE       assert 4 == 3');
    expect(r.cases[4].message).toBe(`failed on setup with "KeyError: 'port'"`);
  });

  it('reads a collection error, which has no classname', () => {
    const r = parseJUnit(
      '<testsuites><testsuite tests="1" errors="1"><testcase classname="" name="tests.smoke.test_lookup" time="0.000"><error message="collection failure">E   NameError: x</error></testcase></testsuite></testsuites>',
    );
    expect(r.cases).toEqual([
      { classname: '', name: 'tests.smoke.test_lookup', time: 0, outcome: 'error', message: 'collection failure', text: 'E   NameError: x' },
    ]);
  });

  it('prefers the failure when a case also has a teardown error, and reads several suites', () => {
    const r = parseJUnit(
      '<testsuites><testsuite tests="1"><testcase classname="a" name="t" time="1"><failure message="boom">x</failure><error message="teardown">y</error></testcase></testsuite><testsuite tests="1"><testcase classname="b" name="u" time="2"/></testsuite></testsuites>',
    );
    expect(r.cases.map((c) => c.outcome)).toEqual(['failed', 'passed']);
    expect(r.cases[0].message).toBe('boom');
    expect(r.totals.tests).toBe(2);
    expect(r.totals.time).toBe(0);
  });

  it('reads a bare <testsuite> root and an empty <testsuites>', () => {
    expect(parseJUnit('<testsuite tests="1"><testcase classname="a" name="t" time="0.5"/></testsuite>').cases).toHaveLength(1);
    expect(parseJUnit('<testsuites name="pytest tests"></testsuites>').cases).toEqual([]);
  });

  it('refuses XML cut short at any point', () => {
    for (const at of [10, 60, 200, 400, XML.length - 200, XML.length - 13, XML.length - 1]) {
      const e = thrown(() => parseJUnit(XML.slice(0, at)));
      expect(e.code, `cut at ${at}`).toBe('junit-unreadable');
      expect(e.hint).toBeTruthy();
    }
  });

  it('refuses an empty file, text that is not XML, and XML that is not JUnit', () => {
    expect(thrown(() => parseJUnit('')).code).toBe('junit-unreadable');
    expect(thrown(() => parseJUnit('  \n')).code).toBe('junit-unreadable');
    expect(thrown(() => parseJUnit('2 failed, 1 passed in 0.12s')).code).toBe('junit-unreadable');
    expect(thrown(() => parseJUnit('<html><body>hi</body></html>')).message).toMatch(/testsuite/);
  });

  it('reads the same text pushed a character at a time, and decodes every entity form', () => {
    const whole = parseJUnit(XML);
    const reader = new JUnitReader();
    for (const ch of XML) reader.push(ch);
    expect(reader.end()).toEqual(whole);
    const r = parseJUnit(
      '<testsuite><testcase classname="a" name="t"><failure message="&#x41;&#66;&amp;lt;">&lt;&gt;&quot;&apos;&amp;amp; &#9731; &unknown; a &amp b &#xZZ; &#99999999;</failure></testcase></testsuite>',
    );
    expect(r.cases[0].message).toBe('AB&lt;');
    // A raw `>` inside a quoted value (legal XML) does not end the tag, read whole or a character at a time.
    const quoted = `<testsuite><testcase classname='a' name="t[x>1]" time="1"/><testcase classname="b" name='u>"v"'/></testsuite>`;
    const split = new JUnitReader();
    for (const ch of quoted) split.push(ch);
    expect(split.end().cases.map((c) => c.name)).toEqual(['t[x>1]', 'u>"v"']);
    expect(parseJUnit(quoted).cases.map((c) => c.name)).toEqual(['t[x>1]', 'u>"v"']);
    expect(r.cases[0].text).toBe(`<>"'&amp; \u2603 &unknown; a &amp b &#xZZ; &#99999999;`);
  });

  it('names the line of the fault, counted across the chunks already read', () => {
    const reader = new JUnitReader();
    reader.push('<testsuites>\n<testsuite>\n');
    reader.push('<testcase classname="a" name="t"/>\n'.repeat(5));
    expect(() => {
      reader.push('</testcase>');
      reader.end();
    }).toThrow(/line 8: <\/testcase> closes <testsuite>/);
  });

  it('names the line of the fault in a file of several chunks, as the text reader does', async () => {
    const lines = ['<?xml version="1.0" encoding="utf-8"?>', '<testsuites>', '<testsuite tests="40000">'];
    for (let i = 0; i < 40_000; i++) lines.push(`<testcase classname="a" name="t${i}" time="0"><failure message="m">E   é\nE   x</failure></testcase>`);
    lines.push('</testcase>', '</testsuite></testsuites>');
    const xml = lines.join('\n');
    const file = join(dir, 'fault.xml');
    writeFileSync(file, xml);
    expect(Buffer.byteLength(xml)).toBeGreaterThan(3 * 1024 * 1024);
    const line = 3 + 40_000 * 2 + 1;
    await expect(readJUnitFile(file)).rejects.toThrow(`line ${line}: </testcase> closes <testsuite>`);
    expect(() => parseJUnit(xml)).toThrow(`line ${line}: </testcase> closes <testsuite>`);
  });

  it("reads a <testcase> the same in pytest's own form and in any other legal form", () => {
    const suite = (cases: string) => `<testsuites><testsuite tests="1">${cases}</testsuite></testsuites>`;
    const expected = { classname: 'tests.smoke.test_a', name: 'test_b[x>1]', time: 0.5, outcome: 'passed' };
    for (const form of [
      '<testcase classname="tests.smoke.test_a" name="test_b[x>1]" time="0.5" />',
      '<testcase classname="tests.smoke.test_a" name="test_b[x>1]" file="tests/smoke/test_a.py" line="3" time="0.5" />',
      '<testcase classname="tests.smoke.test_a" name="test_b[x>1]" time="0.5"></testcase>',
      '<testcase time="0.5" name="test_b[x>1]" classname="tests.smoke.test_a"/>',
      "<testcase  classname = 'tests.smoke.test_a'\n name='test_b[x&gt;1]' time='0.5' />",
      '<testcase classname="tests.smoke.test_&#97;" name="test_b[x&gt;1]" time="0.5" />',
    ]) {
      expect(parseJUnit(suite(form)).cases, form).toEqual([expected]);
    }
    // The same for <failure>, <error> and <skipped>.
    const inCase = (result: string) => suite(`<testcase classname="a" name="t" time="0">${result}</testcase>`);
    for (const [forms, expectedCase] of [
      [['<failure message="a &amp; b">tb</failure>', "<failure  message='a &amp; b' >tb</failure>"], { outcome: 'failed', message: 'a & b', text: 'tb' }],
      [['<error message="e">x</error>', '<error message="e" type="t0">x</error>'], { outcome: 'error', message: 'e', text: 'x' }],
      [['<skipped type="pytest.skip" message="m">w</skipped>', '<skipped message="m" type="pytest.skip">w</skipped>'], { outcome: 'skipped', type: 'pytest.skip', message: 'm', text: 'w' }],
      [['<skipped type="pytest.xfail" message="bug" />', '<skipped message="bug" type="pytest.xfail"/>'], { outcome: 'xfailed', type: 'pytest.xfail', message: 'bug' }],
    ] as const) {
      for (const form of forms) expect(parseJUnit(inCase(form)).cases[0], form).toMatchObject(expectedCase);
    }
    expect(parseJUnit(inCase('<error message="e" type="t0">x</error>')).cases[0].type).toBe('t0');
    // And for <testsuites> and <testsuite>, whose totals are summed.
    const totals = { tests: 4, failures: 2, errors: 1, skipped: 3, time: 0.5 };
    for (const form of [
      '<testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="4" time="0.5" timestamp="2026-01-01T00:00:00" hostname="h"></testsuite></testsuites>',
      '<testsuites><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="4" time="0.5" /></testsuites>',
      '<testsuite name="pytest" errors="1" failures="2" skipped="3" tests="4" time="0.5" hostname="h"></testsuite>',
      '<testsuites  name="t"><testsuite tests="4" time="0.5" errors="1" failures="2" skipped="3" name="pytest"/></testsuites>',
      '<testsuite errors="1" failures="2" hostname="h" name="pytest" skipped="3" tests="4" time="0.5" timestamp="t"></testsuite>',
    ]) {
      expect(parseJUnit(form).totals, form).toEqual(totals);
    }
    // A <testsuite> inside another counts only with the outer one.
    expect(parseJUnit('<testsuite name="a" errors="0" failures="0" skipped="0" tests="1" time="1"><testsuite name="b" errors="0" failures="0" skipped="0" tests="7" time="1" /></testsuite>').totals.tests).toBe(1);
    // The cases of one file share their classname string.
    const two = parseJUnit(suite('<testcase classname="tests.smoke.test_a" name="t1" time="1" /><testcase classname="tests.smoke.test_a" name="t2" time="x" />'));
    expect(two.cases.map((c) => [c.classname, c.name, c.time])).toEqual([['tests.smoke.test_a', 't1', 1], ['tests.smoke.test_a', 't2', 0]]);
    // Outside a <testsuite> a <testcase> is no case, in either form.
    expect(parseJUnit('<testsuites><testcase classname="a" name="t" time="1" /></testsuites>').cases).toEqual([]);
    expect(thrown(() => parseJUnit('<testcase classname="a" name="t" time="1" />')).message).toMatch(/testsuite/);
  });

  it('refuses malformed attributes and tags', () => {
    for (const bad of ['<testsuite tests="1" skipped>', '<testsuite tests=1>', '<testsuite tests="1" / >', '<testsuite <testcase>', '<1testsuite>', '<testsuite\u0001>']) {
      expect(thrown(() => parseJUnit(`${bad}</testsuite>`)).code, bad).toBe('junit-unreadable');
    }
  });

  it('streams a file of several chunks exactly, characters split between chunks included', async () => {
    const tb = 'E   ValueError: café naïve — ✓ 𝄞 &lt;x&gt;\n'.repeat(40);
    const parts = ['<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite tests="3000">'];
    for (let i = 0; i < 3000; i++) {
      parts.push(i % 3 ? `<testcase classname="t.m${i % 7}" name="test_é${i}" time="0.001" />` : `<testcase classname="t.m${i % 7}" name="test_é${i}" time="0.001"><failure message="boom ${i}">${tb}</failure></testcase>`);
    }
    parts.push('</testsuite></testsuites>');
    // White space after the first tag moves a four-byte character across the end of the first 1 MB chunk.
    const MB = 1024 * 1024;
    const bytes = Buffer.from(parts.join(''));
    const clef = bytes.indexOf(Buffer.from('𝄞'), MB - 2 - 4096);
    parts[0] += ' '.repeat(MB - 2 - clef);
    const xml = parts.join('');
    expect(Buffer.from(xml)[MB] & 0xc0).toBe(0x80);
    expect(Buffer.byteLength(xml)).toBeGreaterThan(2 * MB);
    const file = join(dir, 'big.xml');
    writeFileSync(file, xml);
    const streamed = await readJUnitFile(file);
    expect(streamed).toEqual(parseJUnit(xml));
    expect(streamed.cases).toHaveLength(3000);
    expect(streamed.cases[2997]).toEqual({ classname: 't.m1', name: 'test_é2997', time: 0.001, outcome: 'failed', message: 'boom 2997', text: tb.replace(/&lt;/g, '<').replace(/&gt;/g, '>') });
  });

  it('streams UTF-16 and latin-1 files of several pieces as it decodes them whole', async () => {
    const cases = Array.from({ length: 2000 }, (_, i) => `<testcase classname="t" name="test_é${i}" time="0"><failure message="ü ${i}">E   naïve — ${i}</failure></testcase>`);
    const body = `<testsuite tests="2000">${cases.join('')}</testsuite>`;
    for (const bytes of [
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>${body}`, 'utf16le')]),
      Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${body.replace(/—/g, '-')}`, 'latin1'),
    ]) {
      const file = join(dir, 'encoded.xml');
      writeFileSync(file, bytes);
      expect(bytes.length).toBeGreaterThan(2 * 65536);
      const streamed = await readJUnitFile(file);
      expect(streamed).toEqual(parseJUnit(decodeJUnit(bytes)));
      expect(streamed.cases[1999]).toMatchObject({ name: 'test_é1999', message: 'ü 1999' });
    }
  });

  it('keeps each traceback to its last 20,000 characters, and past the budget only its last lines', () => {
    const line = 'x'.repeat(99) + '\n';
    const huge = line.repeat(MAX_TRACEBACK / 100 + 50);
    const count = Math.ceil(TRACEBACK_BUDGET / MAX_TRACEBACK) + 2;
    const cases = Array.from({ length: count }, (_, i) => `<testcase classname="a" name="t${i}" time="0"><failure message="m">${huge}</failure></testcase>`);
    const r = parseJUnit(`<testsuite>${cases.join('')}</testsuite>`);
    expect(r.cases[0].text).toBe(huge.slice(-MAX_TRACEBACK));
    const last = r.cases[count - 1].text!;
    expect(last.startsWith(SHORTENED_MARK)).toBe(true);
    expect(huge.endsWith(last.slice(SHORTENED_MARK.length))).toBe(true);
    expect(last.length).toBeLessThan(1100);
    // Shortened as the records' copy of the same traceback is, entities and all, so the run keeps one string.
    const tb = Array.from({ length: 300 }, (_, i) => `>   assert f(${i}) == "x" & y < z`).join('\n');
    const xml = tb.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const many = Array.from({ length: 1000 }, (_, i) => `<testcase classname="a" name="t${i}" time="0"><failure message="m">${xml}</failure></testcase>`);
    const read = parseJUnit(`<testsuite>${many.join('')}</testsuite>`).cases;
    const budget = new TracebackBudget();
    const records = read.map(() => budget.keep(tb));
    // (The budget counts the XML's characters, entities unread, so the JUnit copies are shortened a little sooner.)
    expect(read[0].text === records[0] && read[999].text === records[999]).toBe(true);
    expect(records[999]).toBe(shortened(tb));
  });
});

