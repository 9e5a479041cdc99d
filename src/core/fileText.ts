// Reading a large text file in chunks (the JUnit XML, the plugin's records): buffers reused from read to
// read, plain fs.read (the stream modules cost a fresh process more to load than a small file takes to
// read), and UTF-8 checked and decoded natively. Text that is ASCII, as JSON lines and most pytest output
// are, becomes one byte per character, half the memory of a decoder's UTF-16 strings.

import { isAscii, isUtf8 } from 'node:buffer';
import { closeSync, openSync, read, readSync } from 'node:fs';

/**
 * What the bytes are handed on in. Text decoded from a piece stays below V8's large-object size (128 kB),
 * so it is young-generation garbage, freed by the next scavenge, rather than a large object that only a
 * full collection frees (a 68 MB file left its whole text behind before one came).
 */
const PIECE = 1 << 16;
/** Read at once after the first: the next one is read while this one is handled. */
const CHUNK = 1 << 20;
/**
 * Buffers kept for the next read. A new buffer costs a page fault for every 4 kB on its first use, which on
 * a virtual machine is about 1 ms per MB, more than reading a small file takes: one of PIECE bytes, and two
 * of CHUNK bytes (a chunk and the one read ahead) once a file was larger than 1 MB.
 */
const pieceBuffers: Buffer[] = [];
const chunkBuffers: Buffer[] = [];

/**
 * Calls `onChunk` with the file's bytes in order, 64 kB at a time; the bytes are overwritten after the call
 * returns. The first 1 MB is read synchronously into one small buffer: a small file is read without a trip
 * through the thread pool, which costs more than the read. The rest is read 1 MB at a time, each read while
 * the one before is handled, and other work runs between them.
 */
export async function readChunks(path: string, onChunk: (bytes: Buffer) => void): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    const piece = pieceBuffers.pop() ?? Buffer.allocUnsafe(PIECE);
    let total = 0;
    try {
      for (let n = readSync(fd, piece, 0, PIECE, null); n > 0; n = readSync(fd, piece, 0, PIECE, null)) {
        onChunk(piece.subarray(0, n));
        total += n;
        if (total >= CHUNK) break;
      }
    } finally {
      // Nothing else read in the meantime: the synchronous part has no await.
      pieceBuffers.push(piece);
    }
    if (total >= CHUNK) await readRest(fd, onChunk);
  } finally {
    closeSync(fd);
  }
}

/** The file after its first 1 MB, 1 MB at a time, each read while the one before is handled. */
async function readRest(fd: number, onChunk: (bytes: Buffer) => void): Promise<void> {
  const readInto = (buffer: Buffer) => new Promise<number>((resolve, reject) => read(fd, buffer, 0, CHUNK, null, (error, n) => (error ? reject(error) : resolve(n))));
  let current: Buffer = chunkBuffers.pop() ?? Buffer.allocUnsafe(CHUNK);
  let spare: Buffer = chunkBuffers.pop() ?? Buffer.allocUnsafe(CHUNK);
  let pending: Promise<number> | null = null;
  try {
    let n = await readInto(current);
    while (n > 0) {
      pending = readInto(spare);
      for (let from = 0; from < n; from += PIECE) onChunk(current.subarray(from, Math.min(n, from + PIECE)));
      n = await pending;
      pending = null;
      [current, spare] = [spare, current];
    }
  } finally {
    // A read still under way (the handler threw) finishes before its file is closed and its buffer reused.
    await pending?.catch(() => 0);
    for (const buffer of [current, spare]) if (chunkBuffers.length < 2) chunkBuffers.push(buffer);
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
    // ASCII ends on a character boundary: nothing to complete or carry.
    if (!this.carry && isAscii(bytes)) return bytes.toString('latin1');
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
