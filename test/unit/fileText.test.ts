import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readChunks, Utf8Chunks } from '../../src/core/fileText';
import { MAX_TRACEBACK, SHORT_TRACEBACK, SHORTENED_MARK, TRACEBACK_BUDGET, TracebackBudget } from '../../src/core/keptText';

const dir = mkdtempSync(join(tmpdir(), 'sf-filetext-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Utf8Chunks', () => {
  const text = 'a é ü — ✓ 𝄞 z';
  const bytes = Buffer.from(text, 'utf8');

  it('decodes text cut at every byte, a character split across chunks included', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new Utf8Chunks(true);
      expect(`${d.decode(bytes.subarray(0, cut))}${d.decode(bytes.subarray(cut))}${d.end()}`, `cut at ${cut}`).toBe(text);
    }
    // A byte at a time: a four-byte character waits for all of its bytes.
    const d = new Utf8Chunks(true);
    let out = '';
    for (const b of bytes) out += d.decode(Uint8Array.of(b));
    expect(out + d.end()).toBe(text);
  });

  it('strict: bytes that are not UTF-8 and a text ending inside a character are null; lenient: U+FFFD', () => {
    expect(new Utf8Chunks(true).decode(Buffer.from('caf\xe9 ok', 'latin1'))).toBeNull();
    const cut = new Utf8Chunks(true);
    expect(cut.decode(bytes.subarray(0, 3))).toBe('a ');
    expect(cut.end()).toBeNull();
    expect(new Utf8Chunks(false).decode(Buffer.from('caf\xe9 ok', 'latin1'))).toBe('caf\ufffd ok');
    const lenient = new Utf8Chunks(false);
    lenient.decode(bytes.subarray(0, 3));
    expect(lenient.end()).toBe('\ufffd');
  });
});

describe('readChunks', () => {
  it('hands over a file of several chunks whole and in order', async () => {
    const content = Buffer.alloc(2.5 * 1024 * 1024 + 17);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7) % 251;
    const file = join(dir, 'big.bin');
    writeFileSync(file, content);
    const parts: Buffer[] = [];
    await readChunks(file, (bytes) => parts.push(Buffer.from(bytes)));
    expect(parts.length).toBeGreaterThan(2);
    expect(Buffer.concat(parts).equals(content)).toBe(true);
  });

  it('reads an empty file as no chunk, and a missing one as ENOENT', async () => {
    const file = join(dir, 'empty.txt');
    writeFileSync(file, '');
    let calls = 0;
    await readChunks(file, () => calls++);
    expect(calls).toBe(0);
    await expect(readChunks(join(dir, 'absent.txt'), () => undefined)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stops at an error thrown by the handler', async () => {
    const file = join(dir, 'two.bin');
    writeFileSync(file, Buffer.alloc(1.5 * 1024 * 1024));
    await expect(
      readChunks(file, () => {
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
  });
});

describe('TracebackBudget', () => {
  it('keeps tracebacks whole within the budget, each to its last 20,000 characters', () => {
    const budget = new TracebackBudget();
    const short = 'line\n'.repeat(100);
    expect(budget.keep(short)).toBe(short);
    const long = 'x'.repeat(5) + 'y'.repeat(MAX_TRACEBACK);
    expect(budget.keep(long)).toBe('y'.repeat(MAX_TRACEBACK));
  });

  it('past the budget, keeps the last lines of each traceback, marked as shortened', () => {
    const budget = new TracebackBudget();
    const tb = Array.from({ length: 400 }, (_, i) => `frame ${i} `.padEnd(48, '.')).join('\n');
    let kept = 0;
    let shortened = '';
    for (let i = 0; i * tb.length <= TRACEBACK_BUDGET + tb.length; i++) {
      const out = budget.keep(tb);
      if (out === tb) kept++;
      else shortened = out;
    }
    expect(kept).toBe(Math.floor(TRACEBACK_BUDGET / tb.length));
    expect(shortened.startsWith(SHORTENED_MARK)).toBe(true);
    expect(shortened.length).toBeLessThanOrEqual(SHORTENED_MARK.length + SHORT_TRACEBACK);
    expect(tb.endsWith(shortened.slice(SHORTENED_MARK.length))).toBe(true);
    expect(shortened.slice(SHORTENED_MARK.length).startsWith('frame ')).toBe(true);
    // A traceback that still fits after others did not is kept whole.
    expect(budget.keep('E   boom')).toBe('E   boom');
  });
});
