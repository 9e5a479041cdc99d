import { describe, expect, it } from 'vitest';
import { parsePluginRecords, summarizeRecords, type TestRecord } from '../../src/core/pluginReport';
import {
  exceptionTypeFromMessage,
  failuresFromRecords,
  makeSignature,
  normalizeMessage,
  parseSignature,
} from '../../src/core/signature';

const ID = 'tests/smoke/test_x.py::test_a';

describe('makeSignature', () => {
  it('writes the 4-tuple as one canonical line', () => {
    expect(makeSignature({ nodeid: ID, exceptionType: 'AssertionError', location: { file: 'app/calc.py', line: 12 }, message: 'assert 3 == 4' })).toBe(
      `${ID} | AssertionError | app/calc.py:12 | assert 3 == 4`,
    );
  });

  it('writes ? for an unknown location or type', () => {
    expect(makeSignature({ nodeid: ID, exceptionType: '', location: null, message: 'x' })).toBe(`${ID} | ? | ? | x`);
  });

  it('gives the same signature for the same failure across runs and verbosity', () => {
    const a = makeSignature({ nodeid: ID, exceptionType: 'ValueError', location: null, message: 'ValueError: bad <object object at 0x7f6980ec62f0>\nmore' });
    const b = makeSignature({ nodeid: ID, exceptionType: 'ValueError', location: null, message: 'bad   <object object at 0x7fce7694d4a0>' });
    expect(a).toBe(b);
    expect(a).toBe(`${ID} | ValueError | ? | bad <object object at 0x?>`);
  });

  it('splits back into its parts even when the message holds the separator', () => {
    const sig = makeSignature({ nodeid: ID, exceptionType: 'E', location: { file: 'a.py', line: 1 }, message: 'x | y' });
    expect(parseSignature(sig)).toEqual({ nodeid: ID, exceptionType: 'E', location: 'a.py:1', message: 'x | y' });
    expect(parseSignature('not a signature')).toBeNull();
  });
});

describe('normalizeMessage', () => {
  it('keeps the first non-empty line without the type prefix', () => {
    expect(normalizeMessage('\n  KeyError: \'port\'\n  more', 'KeyError')).toBe("'port'");
    expect(normalizeMessage('assert 4 == 3\n +  where 4 = add(1, 2)', 'AssertionError')).toBe('assert 4 == 3');
    expect(normalizeMessage('AssertionError: assert 1 == 2', 'AssertionError')).toBe('assert 1 == 2');
    expect(normalizeMessage('pkg.errors.BadThing: went wrong', 'BadThing')).toBe('went wrong');
    // A bare `raise E` keeps the type as its message, so a signature never ends in blank space.
    expect(normalizeMessage('AssertionError', 'AssertionError')).toBe('AssertionError');
  });

  it('strips only the named type when one is known', () => {
    expect(normalizeMessage('KeyError: x', 'ValueError')).toBe('KeyError: x');
    expect(normalizeMessage('ValueErrorish: x', 'ValueError')).toBe('ValueErrorish: x');
  });

  it('strips a type-looking prefix when the type is unknown', () => {
    expect(normalizeMessage('RuntimeError: boom')).toBe('boom');
    expect(normalizeMessage('Failed: DID NOT RAISE')).toBe('DID NOT RAISE');
    expect(normalizeMessage("fixture 'db' not found")).toBe("fixture 'db' not found");
  });

  it('caps long messages', () => {
    const long = normalizeMessage('x'.repeat(1000), 'E');
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('exceptionTypeFromMessage', () => {
  it('reads the type a crash message starts with', () => {
    expect(exceptionTypeFromMessage('ValueError: x')).toBe('ValueError');
    expect(exceptionTypeFromMessage('requests.exceptions.ConnectionError: refused')).toBe('ConnectionError');
    expect(exceptionTypeFromMessage('assert 4 == 3')).toBe('AssertionError');
    expect(exceptionTypeFromMessage('Failed: nope')).toBe('Failed');
    expect(exceptionTypeFromMessage("fixture 'x' not found")).toBeNull();
  });
});

function testRecord(over: Partial<TestRecord>): TestRecord {
  return {
    type: 'test',
    nodeid: ID,
    when: 'call',
    outcome: 'failed',
    duration: 0.01,
    location: { file: 'tests/smoke/test_x.py', line: 3, domain: 'test_a' },
    ...over,
  };
}

describe('failuresFromRecords', () => {
  it('turns failed reports, collection errors and conftest errors into failures', () => {
    const lines = [
      { type: 'session-start', rootdir: '/w', pid: 1, pytest: '9.0.3' },
      { type: 'conftest-error', nodeid: 'tests/conftest.py', rootdir: '/w', excType: 'ModuleNotFoundError', excPath: 'tests/conftest.py', excLine: 1, excMessage: "No module named 'x'" },
      { type: 'collect-error', nodeid: 'tests/smoke/test_b.py', crash: { path: 'lib/t.py', lineno: 2, message: "NameError: name 'u' is not defined" }, longrepr: 'E NameError', excType: 'NameError' },
      { type: 'collect-error', nodeid: 'tests/smoke/test_c.py', crash: null, longrepr: 'ImportError while importing', excType: 'ModuleNotFoundError', excPath: 'lib/m.py', excLine: 4, excMessage: "No module named 'y'" },
      testRecord({ when: 'setup', outcome: 'passed' }),
      testRecord({ crash: { path: 'tests/smoke/test_x.py', lineno: 5, message: 'assert 4 == 3\n + where' }, excType: 'AssertionError', sigMessage: 'assert 4 == 3', longrepr: 'TB' }),
      testRecord({ nodeid: `${ID}2`, when: 'setup', crash: { path: 'tests/smoke/conftest.py', lineno: 7, message: "KeyError: 'port'" }, excType: 'KeyError' }),
      testRecord({ nodeid: `${ID}3`, when: 'teardown', crash: { path: 'lib/db.py', lineno: 9, message: 'OSError: closed' } }),
      testRecord({ nodeid: `${ID}4`, outcome: 'passed' }),
      { type: 'session-finish', rootdir: '/w', exitstatus: 1 },
    ];
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"type": "test", "nodeid": "cut sh';
    const summary = summarizeRecords(parsePluginRecords(text));
    expect(summary.rootdir).toBe('/w');
    expect(summary.exitstatus).toBe(1);
    const failures = failuresFromRecords(summary);
    expect(failures.map((f) => [f.kind, f.signature])).toEqual([
      ['collection-error', "tests/conftest.py | ModuleNotFoundError | tests/conftest.py:1 | No module named 'x'"],
      ['collection-error', "tests/smoke/test_b.py | NameError | lib/t.py:2 | name 'u' is not defined"],
      ['collection-error', "tests/smoke/test_c.py | ModuleNotFoundError | lib/m.py:4 | No module named 'y'"],
      ['failed', `${ID} | AssertionError | tests/smoke/test_x.py:5 | assert 4 == 3`],
      ['error', `${ID}2 | KeyError | tests/smoke/conftest.py:7 | 'port'`],
      // Without a stashed type, the crash message's prefix names it.
      ['error', `${ID}3 | OSError | lib/db.py:9 | closed`],
    ]);
    expect(failures[3]).toMatchObject({ exceptionType: 'AssertionError', location: { file: 'tests/smoke/test_x.py', line: 5 }, message: 'assert 4 == 3', longrepr: 'TB' });
  });

  it('names a strict XPASS by its report text', () => {
    const [f] = failuresFromRecords({ tests: [testRecord({ crash: null, longrepr: '[XPASS(strict)] known bug' })], collectErrors: [], conftestErrors: [] });
    expect(f.signature).toBe(`${ID} | ? | ? | [XPASS(strict)] known bug`);
  });
});

describe("a failure's signature", () => {
  it('is makeSignature of its own parts, whatever the message', () => {
    const parts = ['ValueError: ', 'pkg.ValueError: ', 'E: ', '  ', '\n', '\t', 'x', ' 0x7f6980ec62f0', '…', 'y'.repeat(120), ''];
    let seed = 7;
    const pick = () => parts[(seed = (seed * 1103515245 + 12345) % 2147483648) % parts.length];
    for (let i = 0; i < 3000; i++) {
      const message = Array.from({ length: 1 + (i % 7) }, pick).join('');
      const excType = ['ValueError', 'E', ' E ', undefined][i % 4];
      const [f] = failuresFromRecords({ tests: [testRecord({ excType, sigMessage: message, crash: { path: 'a.py', lineno: 3, message } })], collectErrors: [], conftestErrors: [] });
      expect(f.signature, JSON.stringify([message, excType])).toBe(makeSignature(f));
    }
  });
});
