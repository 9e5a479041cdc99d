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
