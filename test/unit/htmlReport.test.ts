import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtmlReport } from '../../src/core/htmlReport';
import type { PytestRun } from '../../src/core/types';

const FAIL = 'tests/smoke/test_calc.py::test_add';

function sampleRun(): PytestRun {
  return {
    label: 'baseline',
    command: 'pytest -q tests/smoke -k smoke --maxfail=3 -rf',
    argv: [],
    cwd: '/w',
    exitCode: 1,
    exitMeaning: 'failed',
    tests: [
      { nodeid: 'tests/smoke/test_ok.py::test_ok', outcome: 'passed', durationMs: 12 },
      { nodeid: 'tests/smoke/test_ok.py::test_skip', outcome: 'skipped', durationMs: 0, message: 'not ready' },
      { nodeid: FAIL, outcome: 'failed', durationMs: 1500, message: 'assert 4 == 3', text: '>  assert add(1, 2) == 3\nE  assert 4 == 3 <script>alert(1)</script>', location: { file: 'tests/smoke/test_calc.py', line: 6 } },
    ],
    failures: [
      {
        nodeid: FAIL,
        kind: 'failed',
        exceptionType: 'AssertionError',
        location: { file: 'tests/smoke/test_calc.py', line: 8 },
        message: 'assert 4 == 3',
        signature: `${FAIL} | AssertionError | tests/smoke/test_calc.py:8 | assert 4 == 3`,
      },
    ],
    counts: { passed: 1, failed: 1, errors: 0, skipped: 1, xfailed: 0, xpassed: 0, deselected: 2, total: 3 },
    output: '',
    junitPath: '/w/artifacts/smoke.xml',
    collected: [],
    durationMs: 2000,
  };
}

describe('renderHtmlReport', () => {
  it('renders a complete self-contained page', () => {
    const html = renderHtmlReport(sampleRun(), 'Smokes Fixer — baseline run');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Smokes Fixer — baseline run</title>');
    expect(html).toContain('<style>');
    // No scripts and nothing loaded from elsewhere.
    expect(html).not.toMatch(/<script|<link|src=|https?:/);
    expect(html).toContain('pytest -q tests/smoke -k smoke --maxfail=3 -rf');
  });

  it('shows counts, every test with outcome and duration, and each failure with its traceback', () => {
    const html = renderHtmlReport(sampleRun());
    expect(html).toContain('<b class="passed">1</b>passed');
    expect(html).toContain('<b class="">2</b>deselected');
    for (const t of sampleRun().tests) expect(html).toContain(`<code>${t.nodeid}</code>`);
    expect(html).toContain('1.50 s');
    expect(html).toContain('12 ms');
    expect(html).toContain('Failures (1)');
    expect(html).toContain(escapeHtml(`${FAIL} | AssertionError | tests/smoke/test_calc.py:8 | assert 4 == 3`));
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Failures first in the table.
    expect(html.indexOf(`<td class="outcome failed">failed</td><td><code>${FAIL}`)).toBeLessThan(html.indexOf('<td class="outcome passed">'));
  });

  it('says so when nothing failed and nothing ran', () => {
    const run = { ...sampleRun(), tests: [], failures: [] };
    const html = renderHtmlReport(run);
    expect(html).toContain('<p>None.</p>');
    expect(html).toContain('No test ran.');
  });

  it('escapes everything that reaches the page', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const run = sampleRun();
    run.command = 'pytest -k "a<b"';
    expect(renderHtmlReport(run, '<i>t</i>')).toContain('&lt;i&gt;t&lt;/i&gt;');
    expect(renderHtmlReport(run)).toContain('pytest -k &quot;a&lt;b&quot;');
  });
});
