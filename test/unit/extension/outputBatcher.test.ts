import { describe, expect, it, vi } from 'vitest';
import type { LoopEvent } from '../../../src/core/types';
import { OutputBatcher } from '../../../src/extension/outputBatcher';
import { LoopTerminalBackend } from '../../../src/extension/terminal';
import type { VSCode } from '../../../src/extension/vscodeTypes';

const out = (text: string, source: 'pytest' | 'producer' = 'pytest'): LoopEvent => ({ type: 'output', source, text });
const validation: LoopEvent = { type: 'validation', action: 'baseline', lines: ['1 failed'], decision: 'proceed' };

describe('OutputBatcher', () => {
  it('passes a burst of output chunks on as one event, after a short wait', async () => {
    const seen: LoopEvent[] = [];
    const batcher = new OutputBatcher((e) => seen.push(e), 5);
    for (let i = 0; i < 1000; i++) batcher.push(out(`line ${i}\n`));
    expect(seen).toEqual([]);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toEqual(out(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join('')));
  });

  it('keeps the order: any other event first passes on the output waiting before it', () => {
    const seen: LoopEvent[] = [];
    const batcher = new OutputBatcher((e) => seen.push(e), 60_000);
    batcher.push(out('a'));
    batcher.push(out('b'));
    batcher.push(validation);
    batcher.push(out('c', 'producer'));
    batcher.push(out('d'));
    batcher.push(out(''));
    batcher.flush();
    batcher.flush();
    expect(seen).toEqual([out('ab'), validation, out('c', 'producer'), out('d')]);
  });

  it('passes output on at once when much of it waits', () => {
    const seen: LoopEvent[] = [];
    const batcher = new OutputBatcher((e) => seen.push(e), 60_000, 100);
    batcher.push(out('x'.repeat(60)));
    expect(seen).toHaveLength(0);
    batcher.push(out('y'.repeat(60)));
    expect(seen).toEqual([out(`${'x'.repeat(60)}${'y'.repeat(60)}`)]);
  });
});

describe('LoopTerminalBackend', () => {
  const fired: string[] = [];
  const vscode = {
    EventEmitter: class {
      event = () => ({ dispose() {} });
      fire(text: string) {
        fired.push(text);
      }
      dispose() {}
    },
  } as unknown as VSCode;

  it('keeps the last 1,000,000 characters written, in one write when the terminal opens', () => {
    fired.length = 0;
    const backend = new LoopTerminalBackend(vscode, () => undefined);
    let all = '';
    for (let i = 0; i < 40_000; i++) {
      const chunk = `tests/smoke/test_${i}.py::test_smoke PASSED [${i % 100}%]\r\n`;
      backend.write(chunk);
      all += chunk;
    }
    expect(all.length).toBeGreaterThan(2_000_000);
    expect(fired).toEqual([]);
    expect(backend.text).toBe(all.slice(-1_000_000));
    backend.open();
    expect(fired).toEqual([all.slice(-1_000_000)]);
    backend.write('after\r\n');
    expect(fired.at(-1)).toBe('after\r\n');
    expect(backend.text).toBe(`${all}after\r\n`.slice(-1_000_000));
  });
});
