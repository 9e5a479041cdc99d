// Reads pytest's JUnit XML (`--junitxml`): test cases with outcome, time, crash message and traceback text.
// A small reader of the XML pytest writes, streamed from the file: a generic XML library validated and
// then parsed the whole text at a few MB/s, which a 5,000-test suite paid on every run. Well-formedness
// is still checked (every tag closed, in order), so a file cut short by a killed run is a clear error,
// not half a result.

import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { SmokesError } from './errors';

export type JUnitOutcome = 'passed' | 'failed' | 'error' | 'skipped' | 'xfailed';

export interface JUnitCase {
  classname: string;
  name: string;
  /** Seconds, as pytest wrote it. */
  time: number;
  outcome: JUnitOutcome;
  /** The `message` attribute of the failure/error/skipped element. */
  message?: string;
  /** The element's text: the formatted traceback (changes with --tb) or the skip location. */
  text?: string;
  /** The `type` attribute (`pytest.skip`, `pytest.xfail`), when present. */
  type?: string;
}

export interface JUnitReport {
  cases: JUnitCase[];
  /** Totals from the <testsuite> attributes (summed over suites). */
  totals: { tests: number; failures: number; errors: number; skipped: number; time: number };
}

interface Element {
  message?: string;
  type?: string;
  text: string[];
}

interface OpenCase {
  classname: string;
  name: string;
  time: number;
  failure?: Element;
  error?: Element;
  skipped?: Element;
}

const RESULT_ELEMENTS = new Set(['failure', 'error', 'skipped']);
const ATTRIBUTE = /([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const NUMERIC = /^(?:#x[0-9a-fA-F]+|#[0-9]+)$/;
const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;
/** The inside of a tag up to its `>`: anything but quotes and brackets, and whole quoted values. */
const TAG_BODY = /(?:[^"'<>]+|"[^"]*"|'[^']*')*/y;

function decode(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  // A hand loop: a traceback has an entity on most lines (quotes, `<`, `>`), and a regular expression
  // with a replacement callback per entity was a large share of the reading time.
  const parts: string[] = [];
  let from = 0;
  while (amp >= 0) {
    const semi = entityEnd(text, amp);
    let value: string | null = null;
    if (semi > 0) {
      const e = text.slice(amp + 1, semi);
      if (e === 'quot') value = '"';
      else if (e === 'lt') value = '<';
      else if (e === 'gt') value = '>';
      else if (e === 'amp') value = '&';
      else if (e === 'apos') value = "'";
      else if (NUMERIC.test(e)) {
        const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        try {
          value = String.fromCodePoint(code);
        } catch {
          value = null;
        }
      }
    }
    if (value !== null) {
      if (amp > from) parts.push(text.slice(from, amp));
      parts.push(value);
      from = semi + 1;
    }
    amp = text.indexOf('&', value !== null ? semi + 1 : amp + 1);
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts.join('');
}

/** Index of the `;` closing an entity that starts at `amp`, looking no further than any entity can be long. */
function entityEnd(text: string, amp: number): number {
  const last = Math.min(text.length, amp + 34);
  for (let i = amp + 2; i < last; i++) if (text.charCodeAt(i) === 59 /* ; */) return i;
  return -1;
}

function attributes(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(body); m; m = ATTRIBUTE.exec(body)) out[m[1]] = decode(m[2] ?? m[3] ?? '');
  return out;
}

/**
 * Incremental reader: `push` text as it arrives, `end` for the report. Holds only the unread tail of the
 * input and the cases read so far.
 */
export class JUnitReader {
  private buf = '';
  private pos = 0;
  /** Lines in the text already dropped from `buf` (the line of an error is counted only when there is one). */
  private linesDropped = 0;
  private seenAnything = false;
  private root: string | null = null;
  private readonly stack: string[] = [];
  private current: OpenCase | null = null;
  private capture: Element | null = null;
  private readonly report: JUnitReport = { cases: [], totals: { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 } };

  push(chunk: string): void {
    if (this.pos > 0) {
      this.linesDropped += countLines(this.buf, 0, this.pos);
      this.buf = this.buf.slice(this.pos) + chunk;
    } else this.buf += chunk;
    this.pos = 0;
    this.scan();
  }

  end(): JUnitReport {
    this.scan();
    const rest = this.buf.slice(this.pos);
    if (!this.seenAnything && !rest.trim()) throw unreadable('The JUnit XML file is empty.');
    if (rest.trim()) {
      if (this.root === null && !rest.includes('<')) throw this.malformed('no XML element');
      throw this.malformed(rest.trimStart().startsWith('<') ? 'a tag is cut short' : 'text after the last element');
    }
    if (this.stack.length > 0) throw this.malformed(`<${this.stack[this.stack.length - 1]}> is never closed`);
    if (this.root === null) throw this.malformed('no XML element');
    if (this.root !== 'testsuites' && this.root !== 'testsuite') throw unreadable('The XML has no <testsuites> or <testsuite> element.');
    return this.report;
  }

  private malformed(what: string): SmokesError {
    const line = 1 + this.linesDropped + countLines(this.buf, 0, this.pos);
    return unreadable(`The JUnit XML is malformed or cut short (line ${line}: ${what}).`);
  }

  private advance(to: number): void {
    this.pos = to;
  }

  private scan(): void {
    const buf = this.buf;
    for (;;) {
      const lt = buf.indexOf('<', this.pos);
      const textEnd = lt < 0 ? buf.length : lt;
      if (textEnd > this.pos) {
        const text = buf.slice(this.pos, textEnd);
        if (this.capture) this.capture.text.push(text);
        else if (this.stack.length === 0 && text.trim()) {
          // Text outside the root: not XML (pytest's summary line, an HTML page, ...).
          if (lt < 0) return; // maybe the start of something; end() decides
          this.seenAnything = true;
          throw this.malformed(this.root === null ? 'text before the first element' : 'text after the root element');
        }
        if (text.trim()) this.seenAnything = true;
        this.advance(textEnd);
      }
      if (lt < 0) return;
      const close = this.tagEnd(buf, lt);
      if (close < 0) return; // the tag continues in the next chunk
      this.seenAnything = true;
      this.tag(buf, lt, close);
      this.advance(close + 1);
    }
  }

  /** Index of the `>` ending the markup that starts at `lt`, or -1 when it is not all here yet. */
  private tagEnd(buf: string, lt: number): number {
    const second = buf.charCodeAt(lt + 1);
    if (second === 33 /* ! */ || Number.isNaN(second)) {
      if (buf.length - lt < 9) {
        if ('<!doctype'.startsWith(buf.slice(lt).toLowerCase())) return -1;
      } else if (buf.slice(lt, lt + 9).toLowerCase() === '<!doctype') {
        // pytest never writes a DOCTYPE; one here can only declare entities (billion laughs, external files).
        throw unreadable('The JUnit XML has a DOCTYPE declaration, which pytest never writes; it is not read.', NOT_PYTEST);
      }
      if (buf.startsWith('<!--', lt)) return endOf(buf.indexOf('-->', lt + 4), 2);
      if (buf.startsWith('<![CDATA[', lt)) return endOf(buf.indexOf(']]>', lt + 9), 2);
      if (buf.length - lt < 9 && '<![CDATA['.startsWith(buf.slice(lt))) return -1;
    } else if (second === 63 /* ? */) return endOf(buf.indexOf('?>', lt + 2), 1);
    // Names, spaces and quoted values, skipped by the regular expression engine rather than a loop here.
    TAG_BODY.lastIndex = lt + 1;
    TAG_BODY.test(buf);
    const at = TAG_BODY.lastIndex;
    const c = buf.charCodeAt(at);
    if (c === 62 /* > */) return at;
    if (c === 60 /* < */) throw this.malformed("'<' inside a tag");
    return -1; // the end of the text, or a quote not closed yet: the tag continues in the next chunk
  }

  private tag(buf: string, lt: number, gt: number): void {
    const second = buf[lt + 1];
    if (second === '?') return;
    if (second === '!') {
      if (buf.startsWith('<![CDATA[', lt)) {
        if (this.stack.length === 0) throw this.malformed('CDATA outside the root element');
        // Escaped here because the element's text is decoded as a whole when it closes.
        this.capture?.text.push(buf.slice(lt + 9, gt - 2).replace(/&/g, '&amp;').replace(/</g, '&lt;'));
        return;
      }
      if (buf.startsWith('<!--', lt)) return;
      if (this.root !== null) throw this.malformed('a declaration inside the document');
      return; // <!DOCTYPE ...>
    }
    if (second === '/') {
      const name = buf.slice(lt + 2, gt).trim();
      const open = this.stack.pop();
      if (open !== name) throw this.malformed(open ? `</${name}> closes <${open}>` : `</${name}> closes nothing`);
      this.closed(name);
      return;
    }
    const selfClosing = buf[gt - 1] === '/';
    const body = buf.slice(lt + 1, selfClosing ? gt - 1 : gt);
    const space = body.search(/\s/);
    const name = space < 0 ? body : body.slice(0, space);
    if (!NAME.test(name)) throw this.malformed(`invalid tag <${name}>`);
    if (this.stack.length === 0) {
      if (this.root !== null) throw this.malformed(`a second root element <${name}>`);
      this.root = name;
    }
    this.opened(name, space < 0 ? '' : body.slice(space));
    if (selfClosing) this.closed(name);
    else this.stack.push(name);
  }

  private opened(name: string, attrText: string): void {
    const depth = this.stack.length;
    const parent = this.stack[depth - 1];
    if (name === 'testsuite' && (depth === 0 || parent === 'testsuites')) {
      const a = attributes(attrText);
      const t = this.report.totals;
      t.tests += num(a.tests);
      t.failures += num(a.failures);
      t.errors += num(a.errors);
      t.skipped += num(a.skipped);
      t.time += num(a.time);
    } else if (name === 'testcase' && parent === 'testsuite') {
      const a = attributes(attrText);
      this.current = { classname: own(a.classname ?? ''), name: own(a.name ?? ''), time: num(a.time) };
    } else if (this.current && parent === 'testcase' && RESULT_ELEMENTS.has(name)) {
      const key = name as 'failure' | 'error' | 'skipped';
      const element: Element = { text: [] };
      const a = attributes(attrText);
      if (a.message !== undefined) element.message = own(a.message);
      if (a.type !== undefined) element.type = own(a.type);
      // Only the first of each kind counts (as it did with a generic parser's arrays).
      if (!this.current[key]) this.current[key] = element;
      this.capture = element;
    }
  }

  private closed(name: string): void {
    if (this.capture && RESULT_ELEMENTS.has(name) && this.stack[this.stack.length - 1] === 'testcase') {
      this.capture = null;
    } else if (name === 'testcase' && this.current && this.stack[this.stack.length - 1] === 'testsuite') {
      this.report.cases.push(readCase(this.current));
      this.current = null;
    }
  }
}

/**
 * A copy of a string that a case keeps. The reader's strings are slices of the chunk being read, and a
 * slice keeps its whole chunk alive: a report of 100k cases held every chunk of the file.
 */
function own(text: string): string {
  return text.length < 16 ? text : (text + ' ').slice(0, -1);
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function endOf(index: number, extra: number): number {
  return index < 0 ? -1 : index + extra;
}

export function parseJUnit(xml: string): JUnitReport {
  const reader = new JUnitReader();
  reader.push(xml);
  return reader.end();
}

/** Streams a JUnit file through the reader (the runner's path: no copy of the whole file in memory). */
export async function readJUnitFile(path: string): Promise<JUnitReport> {
  const reader = new JUnitReader();
  let decoder: StrictDecoder | null = null;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    let bytes = chunk as Buffer;
    if (!decoder) {
      const { encoding, skip } = sniffEncoding(bytes);
      decoder = new StrictDecoder(encoding);
      bytes = bytes.subarray(skip);
    }
    reader.push(decoder.decode(bytes, true));
  }
  if (decoder) reader.push(decoder.decode(new Uint8Array(0), false));
  return reader.end();
}

function readCase(raw: OpenCase): JUnitCase {
  // A test failing in its body and again in teardown has both <failure> and <error>: the body counts.
  const el = raw.failure ?? raw.error ?? raw.skipped;
  const outcome: JUnitOutcome = raw.failure ? 'failed' : raw.error ? 'error' : !raw.skipped ? 'passed' : raw.skipped.type === 'pytest.xfail' ? 'xfailed' : 'skipped';
  const out: JUnitCase = { classname: raw.classname, name: raw.name, time: raw.time, outcome };
  if (!el) return out;
  if (el.message !== undefined) out.message = el.message;
  const joined = el.text.length === 1 ? el.text[0] : el.text.join('');
  const text = decode(joined);
  // A decoded text is a new string already; an undecoded one may be a slice of a chunk.
  if (text !== '') out.text = text === joined ? own(text) : text;
  if (el.type !== undefined) out.type = el.type;
  return out;
}

function num(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function unreadable(message: string, hint?: string): SmokesError {
  return new SmokesError(
    'junit-unreadable',
    message,
    hint ?? 'The pytest run was probably killed while writing it; run the suite again, and check for a test that ends the process.',
  );
}

const NOT_PYTEST = 'This file was not written by pytest --junitxml as it is; point Smokes Fixer at the file pytest wrote.';

type JUnitEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

/**
 * The encoding of a JUnit file from its first bytes: a UTF-8/UTF-16 byte-order mark, else the encoding its
 * XML declaration names (UTF-8, UTF-16, ISO-8859-1/latin-1, ASCII). Returns the encoding and how many
 * bytes of mark to skip; an encoding Node cannot decode is a clear error.
 */
function sniffEncoding(b: Uint8Array): { encoding: JUnitEncoding; skip: number } {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  // UTF-16 without a mark still starts with `<` next to a zero byte.
  if (b.length >= 2 && b[0] === 0x3c && b[1] === 0x00) return { encoding: 'utf-16le', skip: 0 };
  if (b.length >= 2 && b[0] === 0x00 && b[1] === 0x3c) return { encoding: 'utf-16be', skip: 0 };
  const head = Buffer.from(b.subarray(0, 200)).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase() ?? 'utf-8';
  const label = ({ 'utf8': 'utf-8', 'utf-8': 'utf-8', 'latin1': 'latin1', 'latin-1': 'latin1', 'iso-8859-1': 'latin1', 'iso8859-1': 'latin1', 'us-ascii': 'utf-8', 'ascii': 'utf-8' } as Record<string, JUnitEncoding>)[declared];
  if (!label) throw unreadable(`The JUnit XML declares the encoding "${declared}", which Smokes Fixer does not read (UTF-8, UTF-16 or ISO-8859-1).`, NOT_PYTEST);
  return { encoding: label, skip: 0 };
}

/** Decodes chunk by chunk; bytes not valid in the encoding are a clear error, not replacement characters in signatures. */
class StrictDecoder {
  private readonly decoder: TextDecoder | null;
  constructor(private readonly encoding: JUnitEncoding) {
    // latin-1 maps every byte to one character: nothing to validate.
    this.decoder = encoding === 'latin1' ? null : new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  }
  decode(bytes: Uint8Array, stream: boolean): string {
    if (!this.decoder) return Buffer.from(bytes).toString('latin1');
    try {
      return this.decoder.decode(bytes, { stream });
    } catch {
      throw unreadable(`The JUnit XML is not valid ${this.encoding.toUpperCase()} text.`, NOT_PYTEST);
    }
  }
}

/** The text of a whole JUnit file from its bytes (see sniffEncoding). */
export function decodeJUnit(bytes: Uint8Array): string {
  const { encoding, skip } = sniffEncoding(bytes);
  return new StrictDecoder(encoding).decode(bytes.subarray(skip), false);
}
