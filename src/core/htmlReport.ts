// `artifacts/smoke.html` when pytest-html is not installed (PRODUCT.md 16): one self-contained page
// rendered from the run's results, readable without scripts or network.

import type { PytestRun, TestOutcome } from './types';

const OUTCOME_ORDER: TestOutcome[] = ['failed', 'error', 'xpassed', 'xfailed', 'skipped', 'passed'];

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:2rem 0 .6rem}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.meta{color:#59636e;margin:.2rem 0}
.counts{display:flex;gap:.6rem;flex-wrap:wrap;margin:1rem 0}
.count{border:1px solid #d1d9e0;border-radius:6px;padding:.4rem .8rem}
.count b{font-size:1.1rem;margin-right:.3rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{background:#f6f8fa}
.outcome{font-weight:600;white-space:nowrap}
.failed,.error{color:#cf222e}.passed{color:#1a7f37}.skipped,.xfailed{color:#9a6700}.xpassed{color:#8250df}
.failure{border:1px solid #d1d9e0;border-left:4px solid #cf222e;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.failure h3{font-size:1rem;margin:0 0 .4rem;word-break:break-all}
.sig{background:#f6f8fa;padding:.2rem .4rem;border-radius:4px;word-break:break-all}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;border-radius:6px;white-space:pre}
`;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function ms(durationMs: number): string {
  return durationMs >= 1000 ? `${(durationMs / 1000).toFixed(2)} s` : `${durationMs} ms`;
}

export function renderHtmlReport(run: PytestRun, title = 'Smokes Fixer — pytest report'): string {
  const e = escapeHtml;
  const c = run.counts;
  const countItems: Array<[string, number, string]> = [
    ['passed', c.passed, 'passed'],
    ['failed', c.failed, 'failed'],
    ['errors', c.errors, 'error'],
    ['skipped', c.skipped, 'skipped'],
    ['xfailed', c.xfailed, 'xfailed'],
    ['xpassed', c.xpassed, 'xpassed'],
    ['deselected', c.deselected, ''],
    ['total', c.total, ''],
  ];
  const counts = countItems
    .map(([label, n, cls]) => `<span class="count"><b class="${cls}">${n}</b>${label}</span>`)
    .join('');

  const tests = [...run.tests].sort((a, b) => OUTCOME_ORDER.indexOf(a.outcome) - OUTCOME_ORDER.indexOf(b.outcome));
  const rows = tests
    .map((t) => {
      const where = t.location ? `<br><span class="meta">${e(t.location.file)}:${t.location.line}</span>` : '';
      const message = t.message ? e(t.message.split('\n')[0]) : '';
      return `<tr><td class="outcome ${t.outcome}">${t.outcome}</td><td><code>${e(t.nodeid)}</code>${where}</td><td>${ms(t.durationMs)}</td><td>${message}</td></tr>`;
    })
    .join('\n');

  const textByNodeid = new Map(run.tests.map((t) => [t.nodeid, t.text]));
  const failures = run.failures
    .map((f) => {
      const where = f.location ? `${f.location.file}:${f.location.line}` : 'unknown location';
      const trace = f.longrepr ?? textByNodeid.get(f.nodeid) ?? '';
      return `<section class="failure">
<h3><span class="outcome ${f.kind === 'failed' ? 'failed' : 'error'}">${e(f.kind)}</span> <code>${e(f.nodeid)}</code></h3>
<p><b>${e(f.exceptionType)}</b> at <code>${e(where)}</code>: ${e(f.message)}</p>
<p>Signature: <code class="sig">${e(f.signature)}</code></p>
${trace ? `<pre>${e(trace)}</pre>` : ''}
</section>`;
    })
    .join('\n');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${e(title)}</h1>
<p class="meta">Command: <code>${e(run.command)}</code></p>
<p class="meta">Folder: <code>${e(run.cwd)}</code> · exit ${run.exitCode} (${e(run.exitMeaning)}) · ${ms(run.durationMs)}</p>
<div class="counts">${counts}</div>
<h2>Failures (${run.failures.length})</h2>
${failures || '<p>None.</p>'}
<h2>Tests (${run.tests.length})</h2>
<table>
<thead><tr><th>Outcome</th><th>Test</th><th>Duration</th><th>Message</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="4">No test ran.</td></tr>'}
</tbody>
</table>
</body>
</html>
`;
}
