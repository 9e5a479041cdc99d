import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { attemptArgs, baselineArgs, displayCommand, shellQuote } from '../../src/core/pytestCommand';

const NONE = { select: [], markExpr: '' };
const NODE = 'tests/smoke/test_x.py::test_a';

describe('baselineArgs', () => {
  it('is the spec baseline without a selection', () => {
    expect(baselineArgs(NONE)).toEqual(['-q', 'tests/smoke', '-k', 'smoke', '--maxfail=3', '-rf']);
    expect(baselineArgs({ select: ['  '], markExpr: '  ' })).toEqual(['-q', 'tests/smoke', '-k', 'smoke', '--maxfail=3', '-rf']);
  });

  it('replaces `tests/smoke -k smoke` with node ids and/or a marker expression', () => {
    expect(baselineArgs({ select: [NODE, 'tests/other'], markExpr: '' })).toEqual(['-q', NODE, 'tests/other', '--maxfail=3', '-rf']);
    expect(baselineArgs({ select: [], markExpr: 'smoke and not slow' })).toEqual(['-q', '-m', 'smoke and not slow', '--maxfail=3', '-rf']);
    expect(baselineArgs({ select: [NODE], markExpr: 'fast' })).toEqual(['-q', NODE, '-m', 'fast', '--maxfail=3', '-rf']);
  });
});

describe('attemptArgs', () => {
  it('escalates verbosity as PRODUCT.md 3 says', () => {
    expect(attemptArgs(1, NONE, NODE)).toEqual(baselineArgs(NONE));
    expect(attemptArgs(2, NONE, NODE)).toEqual(['-q', 'tests/smoke', '-k', 'smoke', '--maxfail=3', '-rf', '--tb=short']);
    expect(attemptArgs(3, NONE, NODE)).toEqual(['-vv', '-l', '-s', '--tb=long', '--maxfail=1', NODE]);
  });

  it('keeps the user selection in attempts 1 and 2 only', () => {
    const sel = { select: [], markExpr: 'fast' };
    expect(attemptArgs(2, sel, NODE)).toEqual(['-q', '-m', 'fast', '--maxfail=3', '-rf', '--tb=short']);
    expect(attemptArgs(3, sel, NODE)).toEqual(['-vv', '-l', '-s', '--tb=long', '--maxfail=1', NODE]);
  });
});

describe('displayCommand', () => {
  it('prints the command that runs: the interpreter as chosen, -m pytest, the arguments', () => {
    expect(displayCommand(baselineArgs(NONE))).toBe('python3 -m pytest -q tests/smoke -k smoke --maxfail=3 -rf');
    expect(displayCommand(attemptArgs(3, NONE, NODE))).toBe(`python3 -m pytest -vv -l -s --tb=long --maxfail=1 ${NODE}`);
    expect(displayCommand(['-q'], '.venv/bin/python')).toBe('.venv/bin/python -m pytest -q');
    expect(displayCommand(['-q'], '/opt/My Python/bin/python3')).toBe("'/opt/My Python/bin/python3' -m pytest -q");
  });

  it('quotes what the shell would split or expand', () => {
    expect(displayCommand(['-m', 'fast and not slow'])).toBe("python3 -m pytest -m 'fast and not slow'");
    expect(displayCommand(['tests/t.py::test_p[a b]'])).toBe("python3 -m pytest 'tests/t.py::test_p[a b]'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('$HOME')).toBe("'$HOME'");
    expect(shellQuote('tests/t.py::test_größe')).toBe("'tests/t.py::test_größe'");
  });

  it('round-trips through a real POSIX shell', () => {
    const args = ['-m', "a and not b's", 'tests/t.py::test_p[x-1 *]', '-k', '$(echo no)', 'plain/path.py', 'tests/t.py::test_größe["q" \\x]'];
    const printed = execFileSync('/bin/sh', ['-c', `${displayCommand(args).replace(/^python3 -m pytest/, 'printf "%s\\n"')}`], { encoding: 'utf8' });
    expect(printed.split('\n').slice(0, -1)).toEqual(args);
  });
});
