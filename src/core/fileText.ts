// Reading a large text file in chunks (the JUnit XML, the plugin's records): one buffer reused for every
// chunk, read with plain fs.read (the stream modules cost a fresh process more to load than a small file
// takes to read), and UTF-8 checked and decoded natively. Text that is ASCII, as JSON lines and most
// pytest output are, becomes one byte per character, half the memory of a decoder's UTF-16 strings.

import { isAscii, isUtf8 } from 'node:buffer';
import { closeSync, openSync, read, readSync } from 'node:fs';

const CHUNK = 1 << 20;
/**
 * What a chunk is handed on in. Text decoded from it stays below V8's large-object size (128 kB), so it
 * is young-generation garbage, freed by the next scavenge, rather than a large object that only a full
 * collection frees (a 68 MB file left its whole text behind before one came).
 */
const PIECE = 1 << 16;

/**
 * Calls `onChunk` with the file's bytes in order, 64 kB at a time (a file under 1 MB at once); the bytes are
 * overwritten after the call returns. The first 1 MB is read at once (a file that small is read without a trip through the thread
 * pool, which costs more than the read); after it, the next 1 MB is read while this one is handled, so the
 * reading waits on the disk as little as it can and other work runs between chunks.
 */
export async function readChunks(path: string, onChunk: (bytes: Buffer) => void): Promise<void> {
  const fd = openSync(path, 'r');
  const readInto = (buffer: Buffer) => new Promise<number>((resolve, reject) => read(fd, buffer, 0, CHUNK, null, (error, n) => (error ? reject(error) : resolve(n))));
  let pending: Promise<number> | null = null;
  try {
    let current: Buffer = Buffer.allocUnsafe(CHUNK);
    let spare: Buffer | null = null;
    let n = readSync(fd, current, 0, CHUNK, null);
    // A file that fits in one chunk is handed on whole: its text is small enough to leave to a full
    // collection, and one piece is cheaper to read than sixteen.
    const piece = n < CHUNK ? CHUNK : PIECE;
    while (n > 0) {
      // Only a file longer than one chunk needs the second buffer.
      if (n === CHUNK) {
        spare ??= Buffer.allocUnsafe(CHUNK);
        pending = readInto(spare);
      }
      for (let from = 0; from < n; from += piece) onChunk(current.subarray(from, Math.min(n, from + piece)));
      if (pending && spare) {
        n = await pending;
        pending = null;
        [current, spare] = [spare, current];
      } else n = readSync(fd, current, 0, CHUNK, null);
    }
  } finally {
    // A read still under way (the handler threw) finishes before its file is closed.
    await pending?.catch(() => 0);
    closeSync(fd);
  }
}

/**
 * UTF-8 decoding chunk by chunk: a character cut by a chunk's end is completed from the next chunk. In
 * strict mode, bytes that are not UTF-8 make `decode` return null; otherwise they become U+FFFD.
 */
export class Utf8Chunks {
  /** The first bytes of a character that the last chunk cut. */
  private carry: Buffer | null = null;

  constructor(private readonly strict: boolean) {}

  decode(chunk: Uint8Array): string | null {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let head = '';
    if (this.carry) {
      const whole = sequenceLength(this.carry[0]);
      const take = Math.min(whole - this.carry.length, bytes.length);
      const joined = Buffer.concat([this.carry, bytes.subarray(0, take)]);
      bytes = bytes.subarray(take);
      if (joined.length < whole) {
        this.carry = joined;
        return '';
      }
      this.carry = null;
      const text = this.text(joined);
      if (text === null) return null;
      head = text;
    }
    const cut = completeLength(bytes);
    // Copied: the caller reuses its buffer for the next chunk.
    if (cut < bytes.length) this.carry = Buffer.from(bytes.subarray(cut));
    const body = this.text(bytes.subarray(0, cut));
    if (body === null) return null;
    return head ? head + body : body;
  }

  /** What is left at the end of the input: '' unless the input ends inside a character. */
  end(): string | null {
    if (!this.carry) return '';
    this.carry = null;
    return this.strict ? null : '\ufffd';
  }

  private text(bytes: Buffer): string | null {
    if (isAscii(bytes)) return bytes.toString('latin1');
    if (this.strict && !isUtf8(bytes)) return null;
    return bytes.toString('utf8');
  }
}

/** Bytes in the UTF-8 sequence that `lead` starts (1 for a byte that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** How many bytes of `bytes` end on a character boundary (the rest is a character cut short). */
function completeLength(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let i = length - 1; i >= 0 && i >= length - 4; i--) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look for the start of its character
    return i + sequenceLength(b) > length ? i : length;
  }
  return length;
}
