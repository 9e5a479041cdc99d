import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/core/processes';
import { TextTail } from '../../src/core/textTail';

describe('TextTail', () => {
  it('keeps the last characters of a stream, whatever the chunk sizes', () => {
    const tail = new TextTail(10);
    let all = '';
    for (let i = 0; i < 500; i++) {
      const chunk = `${i}:${'x'.repeat(i % 13)};`;
      tail.push(chunk);
      all += chunk;
      if (i % 37 === 0) expect(tail.text()).toBe(all.slice(-10));
    }
    expect(tail.text()).toBe(all.slice(-10));
    tail.push('');
    expect(tail.text()).toBe(all.slice(-10));
    expect(new TextTail(0).text()).toBe('');
    // A chunk is dropped only once what follows it holds the whole tail.
    const edge = new TextTail(10);
    edge.push('abcdefgh');
    expect(edge.text()).toBe('abcdefgh');
    edge.push('klmnopqrs');
    expect(edge.text()).toBe('hklmnopqrs');
    // Small and large chunks mixed (joined in groups as they come), read at any point.
    const big = new TextTail(100_000);
    let stream = '';
    for (let i = 0; i < 3000; i++) {
      const chunk = String.fromCharCode(97 + (i % 26)).repeat(i % 100 === 0 ? 40_000 + i : (i * 7919) % 300 + 1);
      big.push(chunk);
      stream += chunk;
      if (i % 211 === 0) expect(big.text()).toBe(stream.slice(-100_000));
    }
    expect(big.text()).toBe(stream.slice(-100_000));
    const none = new TextTail(0);
    none.push('abc');
    expect(none.text()).toBe('');
  });
});

describe('runProcess read pause', () => {
  it('stops reading while the reader is behind, and loses nothing', async () => {
    // A real process printing 4 MB; the reader asks for a pause after every chunk.
    let received = 0;
    let pauses = 0;
    let waiting = false;
    const result = await runProcess('python3', ['-c', 'import os\nfor _ in range(64): os.write(1, b"y" * 65536)'], {
      cwd: process.cwd(),
      onStdout: (text) => {
        expect(waiting).toBe(false); // nothing is read while a pause is pending
        received += text.length;
      },
      readPause: () => {
        pauses++;
        waiting = true;
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            waiting = false;
            resolve();
          }, 1),
        );
      },
      maxBuffer: 0,
    });
    expect(result.exitCode).toBe(0);
    expect(received).toBe(64 * 65536);
    expect(pauses).toBeGreaterThan(1);
    expect(result.stdout).toBe('');
  });

  it('a cancelled process is not held up by a pause that never ends', async () => {
    const controller = new AbortController();
    const started = runProcess('python3', ['-c', 'import os, time\nwhile True:\n    os.write(1, b"z" * 65536)'], {
      cwd: process.cwd(),
      signal: controller.signal,
      onStdout: () => controller.abort(),
      readPause: () => new Promise<void>(() => undefined),
    });
    const result = await started;
    expect(result.cancelled).toBe(true);
  });
});
