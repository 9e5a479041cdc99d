import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LoopEvent } from '../../../src/core/types';
import { OutputBatcher, SKIP_START, skipEnd } from '../../../src/extension/outputBatcher';
import { LoopTerminalBackend } from '../../../src/extension/terminal';
import type { VSCode } from '../../../src/extension/vscodeTypes';

const out = (text: string, source: 'pytest' | 'producer' = 'pytest'): LoopEvent => ({ type: 'output', source, text });
const validation: LoopEvent = { type: 'validation', action: 'baseline', lines: ['1 failed'], decision: 'proceed' };

describe('OutputBatcher', () => {
  it('passes a burst of output chunks on as one event, after a short wait', async () => {
    const seen: LoopEvent[] = [];
    const batcher = new OutputBatcher((e) => seen.push(e), { delayMs: 5 });
    for (let i = 0; i < 1000; i++) batcher.push(out(`line ${i}\n`));
    expect(seen).toEqual([]);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toEqual(out(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join('')));
  });

  it('keeps the order: any other event first passes on the output waiting before it', () => {
    const seen: LoopEvent[] = [];
    const batcher = new OutputBatcher((e) => seen.push(e), { delayMs: 60_000 });
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
    const batcher = new OutputBatcher((e) => seen.push(e), { delayMs: 60_000, maxChars: 100 });
    batcher.push(out('x'.repeat(60)));
    expect(seen).toHaveLength(0);
    batcher.push(out('y'.repeat(60)));
    expect(seen).toEqual([out(`${'x'.repeat(60)}${'y'.repeat(60)}`)]);
  });
});

describe('OutputBatcher past the live budget', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const line = (i: number) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(87)}\n`; // 100 characters
  const texts = (seen: LoopEvent[]) => seen.map((e) => (e.type === 'output' ? e.text : `<${e.type}>`));
  // Each 100-character push is passed on at once (maxChars), so the budget is what decides.
  const setup = () => {
    vi.useFakeTimers();
    let clock = 0;
    const seen: LoopEvent[] = [];
    const batcher = new OutputBatcher((e) => seen.push(e), { delayMs: 5, maxChars: 100, budget: { burst: 1000, perSecond: 10_000 }, now: () => clock });
    const advance = (ms: number) => {
      clock += ms;
      vi.advanceTimersByTime(ms);
    };
    return { seen, batcher, advance };
  };

  it('skips a flood: says so, then shows how much and its last 200 lines once it slows down, then goes on live', () => {
    const { seen, batcher, advance } = setup();
    for (let i = 0; i < 10; i++) batcher.push(out(line(i)));
    expect(texts(seen)).toEqual(Array.from({ length: 10 }, (_, i) => line(i)));
    for (let i = 10; i < 3010; i++) batcher.push(out(line(i)));
    expect(seen).toHaveLength(11);
    expect(texts(seen)[10]).toBe(`\x1b[2m… ${SKIP_START}\x1b[0m\n`);
    // Still a flood in the first tick; the second finds it over.
    advance(100);
    expect(seen).toHaveLength(11);
    advance(100);
    expect(seen).toHaveLength(12);
    const end = texts(seen)[11];
    expect(end.startsWith(`\x1b[2m… ${skipEnd(300_000)}\x1b[0m\n`)).toBe(true);
    expect(skipEnd(300_000)).toBe('skipped 0.3 MB of output; the last lines before this point follow');
    expect(end.slice(end.indexOf('\n') + 1)).toBe(Array.from({ length: 200 }, (_, i) => line(2810 + i)).join(''));
    batcher.push(out('after\n'));
    advance(5);
    expect(texts(seen).at(-1)).toBe('after\n');
    batcher.close();
    expect(seen).toHaveLength(13);
  });

  it('any other event, another source or the end of the run ends a skipped stretch first', () => {
    const { seen, batcher } = setup();
    for (let i = 0; i < 20; i++) batcher.push(out(line(i)));
    batcher.push(validation);
    expect(texts(seen).slice(10)).toEqual([`\x1b[2m… ${SKIP_START}\x1b[0m\n`, `\x1b[2m… ${skipEnd(1000)}\x1b[0m\n${Array.from({ length: 10 }, (_, i) => line(10 + i)).join('')}`, '<validation>']);
    // Half the burst again after a skipped stretch: five lines, then the next one is skipped.
    for (let i = 0; i < 6; i++) batcher.push(out(line(i)));
    batcher.push(out('partial', 'producer'));
    expect(texts(seen).slice(13)).toEqual([...Array.from({ length: 5 }, (_, i) => line(i)), `\x1b[2m… ${SKIP_START}\x1b[0m\n`]);
    // The producer's text waits its 5 ms; shown, it first ends pytest's skipped stretch.
    vi.advanceTimersByTime(10);
    expect(seen.slice(19)).toEqual([out(`\x1b[2m… ${skipEnd(100)}\x1b[0m\n${line(5)}`), out('partial', 'producer')]);
    batcher.close();
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
