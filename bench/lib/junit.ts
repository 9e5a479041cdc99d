// `gen N DIR` writes a pytest result of N test cases (JUnit XML + the plugin's records); `read N DIR`
// reads it the way the runner does (JUnit, records, signatures) in a process of its own, so the peak
// memory measured is the reading's alone, then once more in the same process. Prints one JSON line.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJUnitReport, assembleRun } from '../../src/core/pytestRunner';
import { readPluginSummary } from '../../src/core/pluginReport';

const [mode, count, dir] = process.argv.slice(2);
const cases = Number(count);
const FAIL_EVERY = 10; // one case in ten fails, each with a long traceback
const TRACEBACK_LINES = 80;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A traceback the way pytest's long style writes one: source lines, `>` marker, `E` lines, location. */
function traceback(i: number): string {
  const lines: string[] = [];
  for (let l = 0; l < TRACEBACK_LINES - 3; l++) lines.push(`    value_${l} = compute(step=${l}, seed=${i})  # frame of pkg/module_${i % 37}.py`);
  lines.push(`>       assert result == {"id": ${i}, "status": "ok"}`, `E       AssertionError: assert {'id': ${i}, 'status': 'failed'} == {'id': ${i}, 'status': 'ok'}`, `tests/smoke/test_m${Math.floor(i / 50)}.py:${(i % 50) * 4 + 3}: AssertionError`);
  return lines.join('\n');
}

const xmlPath = join(dir, 'smoke.xml');
const recordsPath = join(dir, 'smoke.records.jsonl');
if (mode === 'gen') {
  const xml: string[] = [`<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="${Math.ceil(cases / FAIL_EVERY)}" skipped="0" tests="${cases}" time="12.5" timestamp="2026-01-01T00:00:00" hostname="bench">`];
  const items: Array<{ nodeid: string; file: string; line: number }> = [];
  const records: string[] = [JSON.stringify({ type: 'session-start', rootdir: '/w', pid: 1, pytest: '9.0.0' })];
  for (let i = 0; i < cases; i++) {
    const file = `tests/smoke/test_m${Math.floor(i / 50)}.py`;
    const nodeid = `${file}::test_smoke_${i}`;
    items.push({ nodeid, file, line: (i % 50) * 4 + 1 });
    const classname = `tests.smoke.test_m${Math.floor(i / 50)}`;
    if (i % FAIL_EVERY === 0) {
      const tb = traceback(i);
      const message = `AssertionError: assert {'id': ${i}, 'status': 'failed'} == {'id': ${i}, 'status': 'ok'}`;
      xml.push(`<testcase classname="${classname}" name="test_smoke_${i}" time="0.003"><failure message="${escapeXml(message)}">${escapeXml(tb)}</failure></testcase>`);
      records.push(
        JSON.stringify({
          type: 'test', nodeid, when: 'call', outcome: 'failed', duration: 0.003,
          location: { file, line: (i % 50) * 4 + 1, domain: `test_smoke_${i}` },
          crash: { path: file, lineno: (i % 50) * 4 + 3, message },
          longrepr: tb, excType: 'AssertionError', sigMessage: message,
        }),
      );
    } else {
      xml.push(`<testcase classname="${classname}" name="test_smoke_${i}" time="0.001" />`);
    }
  }
  xml.push('</testsuite></testsuites>');
  records.splice(1, 0, JSON.stringify({ type: 'collected', items }));
  records.push(JSON.stringify({ type: 'session-finish', rootdir: '/w', exitstatus: 1 }));
  writeFileSync(xmlPath, xml.join(''));
  writeFileSync(recordsPath, records.join('\n') + '\n');
  process.exit(0);
}
const xmlBytes = statSync(xmlPath).size;
const recordBytes = statSync(recordsPath).size;

(globalThis as { gc?: () => void }).gc?.();
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);

async function readOnce(): Promise<{ ms: number; cpuMs: number }> {
  // CPU time as well as wall time: on a shared machine the wall clock mostly measures the neighbours.
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const junit = await readJUnitReport(xmlPath, '');
  const summary = await readPluginSummary(recordsPath);
  const run = assembleRun(junit, summary);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  if (run.counts.total !== cases || run.failures.length !== Math.ceil(cases / FAIL_EVERY)) {
    throw new Error(`read ${run.counts.total} cases and ${run.failures.length} failures, expected ${cases} and ${Math.ceil(cases / FAIL_EVERY)}`);
  }
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

async function main(): Promise<void> {
  // The first read in a fresh process (the code not compiled yet, as for a run's baseline), measured after
  // the modules have loaded; the process's own start-up is timed by the caller.
  const first = await readOnce();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  // The same read again in the same process (as the loop's later runs read theirs).
  (globalThis as { gc?: () => void }).gc?.();
  const again = await readOnce();
  const rate = (ms: number) => xmlBytes / 1e6 / (ms / 1000);
  console.log(
    JSON.stringify({
      cases, xmlBytes, recordBytes,
      ms: first.ms, cpuMs: first.cpuMs, mbPerS: rate(first.ms), mbPerCpuS: rate(first.cpuMs),
      againMs: again.ms, againCpuMs: again.cpuMs, againMbPerS: rate(again.ms), againMbPerCpuS: rate(again.cpuMs),
      rssBefore, peakRss, extraRss: peakRss - rssBefore,
    }),
  );
}
void main();
