import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePluginRecords, readPluginSummary, summarizeRecords } from '../../src/core/pluginReport';

const dir = mkdtempSync(join(tmpdir(), 'sf-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readPluginSummary', () => {
  it('reads a records file in chunks to the same summary as the whole text, skipping a cut-short last line', async () => {
    const lines = [JSON.stringify({ type: 'session-start', rootdir: '/w', pid: 1, pytest: '9.0.0' })];
    // Long tracebacks so that lines cross the reader's 1 MB chunks, with non-ASCII text split between them.
    for (let i = 0; i < 400; i++) {
      lines.push(JSON.stringify({ type: 'test', nodeid: `t.py::test_${i}`, when: 'call', outcome: 'failed', duration: 0, location: null, longrepr: `é ${i} `.repeat(1200) }));
    }
    lines.push(JSON.stringify({ type: 'session-finish', rootdir: '/w', exitstatus: 1 }));
    const text = lines.join('\n') + '\n{"type": "test", "nodeid": "cut';
    const file = join(dir, 'records.jsonl');
    writeFileSync(file, text);
    const summary = await readPluginSummary(file);
    expect(summary).toEqual(summarizeRecords(parsePluginRecords(text)));
    expect(summary.tests).toHaveLength(400);
    expect(summary.tests[399].longrepr).toBe(`é 399 `.repeat(1200));
    expect(summary.exitstatus).toBe(1);
  });

  it('reads a missing file as no records', async () => {
    const summary = await readPluginSummary(join(dir, 'absent.jsonl'));
    expect(summary).toEqual(summarizeRecords([]));
  });
});
