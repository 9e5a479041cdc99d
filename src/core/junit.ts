// Reads pytest's JUnit XML (`--junitxml`): test cases with outcome, time, crash message and traceback text.
// A small reader of the XML pytest writes, streamed from the file: a generic XML library validated and
// then parsed the whole text at a few MB/s, which a 5,000-test suite paid on every run. Well-formedness
// is still checked (every tag closed, in order), so a file cut short by a killed run is a clear error,
// not half a result.
//
// The tags pytest writes (<testcase>, <failure>, ... with their attributes in pytest's order) are read by
// one match each, a run of passed tests by one loop of matches; any other tag is read in place with indexOf
// and charCodeAt. Only the strings a case keeps are made, so a report of 100k cases costs little more than
// its traceback text, and a first read in a fresh process compiles little code.

import { TextDecoder } from 'node:util';
import { SmokesError } from './errors';
import { readChunks, Utf8Chunks } from './fileText';
import { lastLines, MAX_TRACEBACK, own, SHORT_TRACEBACK, shortened, TracebackBudget } from './keptText';

export type JUnitOutcome = 'passed' | 'failed' | 'error' | 'skipped' | 'xfailed';

export interface JUnitCase {
  classname: string;
  name: string;
  /** Seconds, as pytest wrote it. */
  time: number;
  outcome: JUnitOutcome;
  /** The `message` attribute of the failure/error/skipped element. */
  message?: string;
  /**
   * The element's text: the formatted traceback (changes with --tb) or the skip location. Its last
   * 20,000 characters, and past the report's budget its last lines only (keptText.ts).
   */
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

// Element names are these constants when they are one of them, so the stack and the checks compare
// references, and a tag's name is sliced out of the text only when it is none of them.
const TESTSUITES = 'testsuites';
const TESTSUITE = 'testsuite';
const TESTCASE = 'testcase';
const FAILURE = 'failure';
const ERROR = 'error';
const SKIPPED = 'skipped';
const KNOWN = [TESTSUITES, TESTSUITE, TESTCASE, FAILURE, ERROR, SKIPPED, 'properties', 'property', 'system-out', 'system-err'];
const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;
/**
 * A <testcase> start tag as pytest writes every one (ElementTree: these attributes in this order, with
 * `file` and `line` under junit_family=xunit1), values without entities. Read by one match instead of a
 * character at a time; any other form of the tag takes the general way, to the same result.
 */
const PYTEST_CASE = /<testcase classname="([^"&<]*)" name="([^"&<]*)"(?: file="[^"&<]*" line="[^"&<]*")? time="([^"&<]*)"( \/)?>/y;
/** A <failure>, <error> or <skipped> start tag as pytest writes it (`type` only on <skipped>), entities allowed. */
const PYTEST_RESULT = /<(failure|error|skipped)(?: type="([^"<]*)")? message="([^"<]*)"( \/)?>/y;
/** <testsuites> and <testsuite> as pytest writes them (the suite's totals in this order). */
const PYTEST_SUITES = /<testsuites(?: name="[^"<]*")?>/y;
const PYTEST_SUITE = /<testsuite name="[^"<]*" errors="([^"&<]*)" failures="([^"&<]*)" skipped="([^"&<]*)" tests="([^"&<]*)" time="([^"&<]*)"(?: timestamp="[^"<]*")?(?: hostname="[^"<]*")?( \/)?>/y;
/** The inside of a declaration up to its `>`: anything but quotes and brackets, and whole quoted values. */
const TAG_BODY = /(?:[^"'<>]+|"[^"]*"|'[^']*')*/y;

const LT = 60;
const GT = 62;
const SLASH = 47;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 58;
}

/** Whether `text` between `from` and `to` is only white space (as `trim` sees it). */
function blank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    return c > 127 && text.slice(i, to).trim() === '';
  }
  return true;
}

/** XML's five entities and character references; anything else stays as written (nothing is expanded). */
function decode(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  // One pass and one copy (the parts joined), the searches left to indexOf: a traceback has entities on
  // many lines (`>`, `<`, quotes).
  const parts: string[] = [];
  let from = 0;
  while (amp >= 0) {
    const semi = text.indexOf(';', amp + 1);
    if (semi < 0) break; // no entity can end after this
    // No entity is longer than 32 characters.
    const value = semi - amp <= 33 ? entity(text, amp + 1, semi) : null;
    if (value !== null) {
      if (amp > from) parts.push(text.slice(from, amp));
      parts.push(value);
      from = semi + 1;
    }
    amp = text.indexOf('&', value !== null ? from : amp + 1);
  }
  if (from === 0) return text;
  if (from < text.length) parts.push(text.slice(from));
  return parts.join('');
}

/** The character an entity between `from` and `semi` stands for, or null for one that is not XML's own. */
function entity(text: string, from: number, semi: number): string | null {
  const length = semi - from;
  switch (text.charCodeAt(from)) {
    case 108 /* l */:
      return length === 2 && text.charCodeAt(from + 1) === 116 ? '<' : null;
    case 103 /* g */:
      return length === 2 && text.charCodeAt(from + 1) === 116 ? '>' : null;
    case 113 /* q */:
      return length === 4 && text.startsWith('quot', from) ? '"' : null;
    case 97 /* a */:
      if (length === 3 && text.startsWith('amp', from)) return '&';
      return length === 4 && text.startsWith('apos', from) ? "'" : null;
    case 35 /* # */:
      return characterReference(text, from + 1, semi);
    default:
      return null;
  }
}

/** `#10;`, `#x1B;`: the character, or null when the digits are not one (or name no character). */
function characterReference(text: string, from: number, semi: number): string | null {
  const hex = text.charCodeAt(from) === 120; /* x */
  let code = 0;
  let i = hex ? from + 1 : from;
  if (i === semi) return null;
  for (; i < semi; i++) {
    const c = text.charCodeAt(i);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (hex && c >= 97 && c <= 102) digit = c - 87;
    else if (hex && c >= 65 && c <= 70) digit = c - 55;
    else return null;
    code = code * (hex ? 16 : 10) + digit;
    if (code > 0x10ffff) return null;
  }
  return String.fromCodePoint(code);
}

/**
 * Incremental reader: `push` text as it arrives, `end` for the report. Holds only the unread tail of the
 * input, the text of the element being read, and the cases read so far.
 */
export class JUnitReader {
  private buf = '';
  private pos = 0;
  /** Lines in the text already dropped from `buf`, when the reader counts them (see the constructor). */
  private linesDropped = 0;
  /** Characters of text already dropped from `buf`. */
  private charsDropped = 0;
  private seenAnything = false;
  private root: string | null = null;
  private readonly stack: string[] = [];
  /** The attributes of the tag just read, four indexes into `buf` each: name start and end, value start and end. */
  private readonly attrs: number[] = [];
  private attrCount = 0;
  /** The <testcase> being read: its attributes, and the first of each result element in it. */
  private inCase = false;
  private classname = '';
  private name = '';
  private time = 0;
  private failure: Element | null = null;
  private error: Element | null = null;
  private skipped: Element | null = null;
  private capture: Element | null = null;
  private readonly budget = new TracebackBudget();
  private readonly report: JUnitReport = { cases: [], totals: { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 } };

  /**
   * `countLines`: count the lines of the text as it is dropped, so an error names its line. Without it an
   * error names its character offset (Malformed), and the caller that can read the text again finds the
   * line then (readJUnitFile): a count of every line read costs more than the rest of reading a small file.
   */
  constructor(private readonly countLines = true) {}

  push(chunk: string): void {
    if (chunk === '') return;
    if (this.pos > 0) {
      if (this.countLines) this.linesDropped += linesIn(this.buf, this.pos);
      this.charsDropped += this.pos;
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
    if (this.root !== TESTSUITES && this.root !== TESTSUITE) throw unreadable('The XML has no <testsuites> or <testsuite> element.');
    return this.report;
  }

  private malformed(what: string): SmokesError {
    if (!this.countLines) return new Malformed(this.charsDropped + this.pos, what);
    return unreadable(malformedMessage(1 + this.linesDropped + linesIn(this.buf, this.pos), what));
  }

  private scan(): void {
    const buf = this.buf;
    for (;;) {
      const lt = buf.indexOf('<', this.pos);
      const textEnd = lt < 0 ? buf.length : lt;
      if (textEnd > this.pos) {
        if (this.capture) this.capture.text.push(buf.slice(this.pos, textEnd));
        else if (!blank(buf, this.pos, textEnd)) {
          if (this.stack.length === 0) {
            // Text outside the root: not XML (pytest's summary line, an HTML page, ...).
            if (lt < 0) return; // maybe the start of something; end() decides
            this.seenAnything = true;
            throw this.malformed(this.root === null ? 'text before the first element' : 'text after the root element');
          }
          this.seenAnything = true;
        }
        this.pos = textEnd;
      }
      if (lt < 0) return;
      const second = buf.charCodeAt(lt + 1);
      const next =
        second === SLASH ? this.endTag(buf, lt) : second === 63 /* ? */ ? instructionEnd(buf, lt) : second === 33 /* ! */ || second !== second ? this.markup(buf, lt) : this.startTag(buf, lt);
      if (next < 0) return; // the tag continues in the next chunk
      this.seenAnything = true;
      this.pos = next;
    }
  }

  /**
   * Reads the start tag at `lt` and opens its element. Returns the index after its `>`, or -1 when the tag
   * is not all here yet (it is read again whole with the next chunk, so nothing is changed before its end
   * is found).
   */
  private startTag(buf: string, lt: number): number {
    const c = buf.charCodeAt(lt + 1);
    if (c === 116 /* t */) {
      PYTEST_CASE.lastIndex = lt;
      const m = PYTEST_CASE.exec(buf);
      if (m !== null) return this.pytestCase(buf, m, PYTEST_CASE.lastIndex);
      if (buf.startsWith('testsuite', lt + 1)) return this.pytestSuite(buf, lt);
    } else if (c === 102 /* f */ || c === 101 /* e */ || c === 115 /* s */) {
      PYTEST_RESULT.lastIndex = lt;
      const m = PYTEST_RESULT.exec(buf);
      if (m !== null && this.stack.length > 0) return this.pytestResult(m, PYTEST_RESULT.lastIndex);
    }
    // A tag cut by the end of the text (no `>` after it) is read with the next chunk.
    return buf.indexOf('>', lt) < 0 ? -1 : this.tag(buf, lt);
  }

  /** <testsuites> or <testsuite> in pytest's own form (see PYTEST_SUITE): what `tag` and `opened` do. */
  private pytestSuite(buf: string, lt: number): number {
    PYTEST_SUITE.lastIndex = lt;
    const m = PYTEST_SUITE.exec(buf);
    if (m === null) {
      PYTEST_SUITES.lastIndex = lt;
      if (!PYTEST_SUITES.test(buf)) return this.tag(buf, lt);
    }
    const name = m === null ? TESTSUITES : TESTSUITE;
    const stack = this.stack;
    if (stack.length === 0) {
      if (this.root !== null) throw this.malformed(`a second root element <${name}>`);
      this.root = name;
    }
    if (m !== null && (stack.length === 0 || stack[stack.length - 1] === TESTSUITES)) {
      const t = this.report.totals;
      t.errors += finite(m[1]);
      t.failures += finite(m[2]);
      t.skipped += finite(m[3]);
      t.tests += finite(m[4]);
      t.time += finite(m[5]);
    }
    if (m !== null && m[6] !== undefined) this.closed(name);
    else stack.push(name);
    return m === null ? PYTEST_SUITES.lastIndex : PYTEST_SUITE.lastIndex;
  }

  /** A result tag in pytest's own form (see PYTEST_RESULT) inside the root: what `tag` and `opened` do. */
  private pytestResult(m: RegExpExecArray, end: number): number {
    const name = m[1] === FAILURE ? FAILURE : m[1] === ERROR ? ERROR : SKIPPED;
    if (this.inCase && this.stack[this.stack.length - 1] === TESTCASE) {
      const element: Element = { message: kept(m[3]), text: [] };
      if (m[2] !== undefined) element.type = kept(m[2]);
      this.opensResult(name, element);
    }
    if (m[4] === undefined) this.stack.push(name);
    else this.closed(name);
    return end;
  }

  /** A <testcase> tag in pytest's own form (see PYTEST_CASE): what `tag` and `opened` do, from the match. */
  private pytestCase(buf: string, m: RegExpExecArray, end: number): number {
    const stack = this.stack;
    if (stack.length === 0) {
      if (this.root !== null) throw this.malformed(`a second root element <${TESTCASE}>`);
      this.root = TESTCASE;
    } else if (stack[stack.length - 1] === TESTSUITE) {
      const cases = this.report.cases;
      // Closed in its own tag: a test that passed (what `closed` would make of it, without its steps). The
      // tags that follow it directly are read here while they are such tests too, without a turn of scan().
      while (m[4] !== undefined) {
        // The cases of a file or class share one classname string.
        if (m[1] !== this.classname) this.classname = own(m[1]);
        cases.push({ classname: this.classname, name: own(m[2]), time: finite(m[3]), outcome: 'passed' });
        PYTEST_CASE.lastIndex = end;
        const next = PYTEST_CASE.exec(buf);
        if (next === null) return end;
        m = next;
        end = PYTEST_CASE.lastIndex;
      }
      if (m[1] !== this.classname) this.classname = own(m[1]);
      this.inCase = true;
      this.name = own(m[2]);
      this.time = finite(m[3]);
    }
    if (m[4] === undefined) stack.push(TESTCASE);
    else this.closed(TESTCASE);
    return end;
  }

  /** Any start tag: its name, its attributes into `attrs`, then the element opened. See `startTag`. */
  private tag(buf: string, lt: number): number {
    const length = buf.length;
    let i = lt + 1;
    while (i < length && isNameChar(buf.charCodeAt(i))) i++;
    if (i === length) return -1;
    let c = buf.charCodeAt(i);
    if (c === LT) throw this.malformed("'<' inside a tag");
    const known = knownName(buf, lt + 1, i);
    const name = known ?? buf.slice(lt + 1, i);
    if ((c !== GT && c !== SLASH && !isSpace(c)) || (known === undefined && !NAME.test(name))) {
      throw this.malformed(`invalid tag <${buf.slice(lt + 1, i + 1).trim()}>`);
    }
    const attrs = this.attrs;
    let count = 0;
    let selfClosing = false;
    for (;;) {
      while (isSpace(c)) c = buf.charCodeAt(++i);
      if (c !== c) return -1; // the end of the text (NaN)
      if (c === GT) break;
      if (c === SLASH) {
        c = buf.charCodeAt(i + 1);
        if (c !== c) return -1;
        if (c !== GT) throw this.malformed(`'/' inside the tag <${name}>`);
        selfClosing = true;
        i++;
        break;
      }
      if (c === LT) throw this.malformed("'<' inside a tag");
      const nameStart = i;
      while (isNameChar(c)) c = buf.charCodeAt(++i);
      const nameEnd = i;
      while (isSpace(c)) c = buf.charCodeAt(++i);
      if (c !== c) return -1;
      if (nameEnd === nameStart || c !== 61 /* = */) throw this.malformed(c === LT ? "'<' inside a tag" : `an attribute without a value in <${name}>`);
      c = buf.charCodeAt(++i);
      while (isSpace(c)) c = buf.charCodeAt(++i);
      if (c !== c) return -1;
      if (c !== 34 /* " */ && c !== 39 /* ' */) throw this.malformed(c === LT ? "'<' inside a tag" : `an attribute value without quotes in <${name}>`);
      const valueEnd = buf.indexOf(c === 34 ? '"' : "'", i + 1);
      if (valueEnd < 0) return -1; // a quote not closed yet
      attrs[count] = nameStart;
      attrs[count + 1] = nameEnd;
      attrs[count + 2] = i + 1;
      attrs[count + 3] = valueEnd;
      count += 4;
      i = valueEnd + 1;
      c = buf.charCodeAt(i);
    }
    this.attrCount = count;
    if (this.stack.length === 0) {
      if (this.root !== null) throw this.malformed(`a second root element <${name}>`);
      this.root = name;
    }
    this.opened(buf, name);
    if (selfClosing) this.closed(name);
    else this.stack.push(name);
    return i + 1;
  }

  /** Reads the end tag at `lt`, which must close the open element. Returns the index after it, or -1. */
  private endTag(buf: string, lt: number): number {
    const open = this.stack[this.stack.length - 1];
    if (open !== undefined && buf.startsWith(open, lt + 2)) {
      let i = lt + 2 + open.length;
      let c = buf.charCodeAt(i);
      while (isSpace(c)) c = buf.charCodeAt(++i);
      if (c !== c) return -1;
      if (c === GT) {
        this.stack.pop();
        this.closed(open);
        return i + 1;
      }
    }
    const gt = buf.indexOf('>', lt + 2);
    if (gt < 0) return -1;
    const name = buf.slice(lt + 2, gt).trim();
    if (name === open) {
      this.stack.pop();
      this.closed(open);
      return gt + 1;
    }
    throw this.malformed(open ? `</${name}> closes <${open}>` : `</${name}> closes nothing`);
  }

  /** Comments, CDATA and declarations (`<!`), at `lt`. Returns the index after them, or -1. */
  private markup(buf: string, lt: number): number {
    if (buf.length - lt < 9) {
      if ('<!doctype'.startsWith(buf.slice(lt).toLowerCase()) || '<![CDATA['.startsWith(buf.slice(lt))) return -1;
    } else if (buf.slice(lt, lt + 9).toLowerCase() === '<!doctype') {
      // pytest never writes a DOCTYPE; one here can only declare entities (billion laughs, external files).
      throw unreadable('The JUnit XML has a DOCTYPE declaration, which pytest never writes; it is not read.', NOT_PYTEST);
    }
    let gt: number;
    if (buf.startsWith('<!--', lt)) gt = endOf(buf.indexOf('-->', lt + 4), 2);
    else if (buf.startsWith('<![CDATA[', lt)) {
      gt = endOf(buf.indexOf(']]>', lt + 9), 2);
      if (gt >= 0) {
        if (this.stack.length === 0) throw this.malformed('CDATA outside the root element');
        // Escaped here because the element's text is decoded as a whole when it closes.
        this.capture?.text.push(buf.slice(lt + 9, gt - 2).replace(/&/g, '&amp;').replace(/</g, '&lt;'));
      }
    } else {
      // Another declaration: names, spaces and quoted values up to its `>`.
      TAG_BODY.lastIndex = lt + 2;
      TAG_BODY.test(buf);
      const at = TAG_BODY.lastIndex;
      const c = buf.charCodeAt(at);
      if (c === LT) throw this.malformed("'<' inside a tag");
      if (c !== GT) return -1;
      if (this.root !== null) throw this.malformed('a declaration inside the document');
      gt = at;
    }
    return gt < 0 ? -1 : gt + 1;
  }

  /** Index in `attrs` of the attribute `key` of the tag just read (the last one, when repeated), or -1. */
  private attr(buf: string, key: string): number {
    const attrs = this.attrs;
    let found = -1;
    for (let k = 0; k < this.attrCount; k += 4) {
      if (attrs[k + 1] - attrs[k] === key.length && buf.startsWith(key, attrs[k])) found = k;
    }
    return found;
  }

  /** The value of the attribute at `k` (see `attr`), decoded, as a string of its own. */
  private value(buf: string, k: number): string {
    return kept(buf.slice(this.attrs[k + 2], this.attrs[k + 3]));
  }

  private number(buf: string, key: string): number {
    const k = this.attr(buf, key);
    if (k < 0) return 0;
    const n = Number(decode(buf.slice(this.attrs[k + 2], this.attrs[k + 3])));
    return Number.isFinite(n) ? n : 0;
  }

  private opened(buf: string, name: string): void {
    const depth = this.stack.length;
    const parent = this.stack[depth - 1];
    if (name === TESTCASE) {
      if (parent !== TESTSUITE) return;
      this.inCase = true;
      this.classname = this.classnameOf(buf);
      const k = this.attr(buf, 'name');
      this.name = k < 0 ? '' : this.value(buf, k);
      this.time = this.number(buf, 'time');
    } else if (name === FAILURE || name === ERROR || name === SKIPPED) {
      if (!this.inCase || parent !== TESTCASE) return;
      const element: Element = { text: [] };
      const message = this.attr(buf, 'message');
      if (message >= 0) element.message = this.value(buf, message);
      const type = this.attr(buf, 'type');
      if (type >= 0) element.type = this.value(buf, type);
      this.opensResult(name, element);
    } else if (name === TESTSUITE && (depth === 0 || parent === TESTSUITES)) {
      const t = this.report.totals;
      t.tests += this.number(buf, 'tests');
      t.failures += this.number(buf, 'failures');
      t.errors += this.number(buf, 'errors');
      t.skipped += this.number(buf, 'skipped');
      t.time += this.number(buf, 'time');
    }
  }

  /** A <failure>, <error> or <skipped> opened in the case: its text is read from here. */
  private opensResult(name: string, element: Element): void {
    // Only the first of each kind counts (as it did with a generic parser's arrays).
    if (name === FAILURE) this.failure ??= element;
    else if (name === ERROR) this.error ??= element;
    else this.skipped ??= element;
    this.capture = element;
  }

  /** The case's classname: the previous case's string when it is the same (the cases of a file share one). */
  private classnameOf(buf: string): string {
    const k = this.attr(buf, 'classname');
    if (k < 0) return '';
    const from = this.attrs[k + 2];
    const last = this.classname;
    if (this.attrs[k + 3] - from === last.length && buf.startsWith(last, from) && !last.includes('&')) return last;
    return this.value(buf, k);
  }

  private closed(name: string): void {
    const parent = this.stack[this.stack.length - 1];
    if (this.capture && (name === FAILURE || name === ERROR || name === SKIPPED) && parent === TESTCASE) {
      this.capture = null;
    } else if (name === TESTCASE && this.inCase && parent === TESTSUITE) {
      this.report.cases.push(this.readCase());
      this.inCase = false;
      this.failure = this.error = this.skipped = null;
    }
  }

  private readCase(): JUnitCase {
    // A test failing in its body and again in teardown has both <failure> and <error>: the body counts.
    const { failure, error, skipped } = this;
    const el = failure ?? error ?? skipped;
    const outcome: JUnitOutcome = failure ? 'failed' : error ? 'error' : !skipped ? 'passed' : skipped.type === 'pytest.xfail' ? 'xfailed' : 'skipped';
    const out: JUnitCase = { classname: this.classname, name: this.name, time: this.time, outcome };
    if (el) this.result(out, el);
    return out;
  }

  /** The message, text and type of a case's result element. */
  private result(out: JUnitCase, el: Element): void {
    if (el.message !== undefined) out.message = el.message;
    const joined = el.text.length === 1 ? el.text[0] : el.text.join('');
    if (joined.length > MAX_TRACEBACK) out.text = this.budget.keep(decode(joined));
    else if (this.budget.take(joined.length)) {
      // Counted before decoding (entities make the text shorter), so a text not kept whole is never decoded
      // whole. A decoded or joined text is a new string already; one piece undecoded is a slice of a chunk.
      const text = decode(joined);
      if (text !== '') out.text = text === joined && el.text.length === 1 ? own(text) : text;
    } else {
      // Its last lines as the records' copy of the same traceback is shortened (keptText.ts), so that the run
      // keeps one string for both: decoded from enough of its end (pytest's entities are 4 or 5 characters).
      out.text = shortened(decode(lastLines(joined, 8 * SHORT_TRACEBACK)));
    }
    if (el.type !== undefined) out.type = el.type;
  }
}

function finite(text: string): number {
  const n = Number(text);
  return Number.isFinite(n) ? n : 0;
}

/** An attribute value sliced from the text, decoded, as a string of its own (a slice keeps its chunk alive). */
function kept(raw: string): string {
  const text = decode(raw);
  return text === raw ? own(raw) : text;
}

/** `name` between `from` and `to` as one of the KNOWN constants, or undefined. */
function knownName(text: string, from: number, to: number): string | undefined {
  const length = to - from;
  for (const name of KNOWN) if (name.length === length && text.startsWith(name, from)) return name;
  return undefined;
}

/** Line breaks in `text` before `to`. */
function linesIn(text: string, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function malformedMessage(line: number | null, what: string): string {
  return `The JUnit XML is malformed or cut short (${line === null ? '' : `line ${line}: `}${what}).`;
}

/** A malformed file found by a reader that does not count lines: where, as a character offset in its text. */
class Malformed extends SmokesError {
  constructor(
    readonly offset: number,
    readonly what: string,
  ) {
    super('junit-unreadable', malformedMessage(null, what), HINT);
  }
}

/** The index after the processing instruction (`<?xml ...?>`) at `lt`, or -1 when it is not all here yet. */
function instructionEnd(buf: string, lt: number): number {
  const end = buf.indexOf('?>', lt + 2);
  return end < 0 ? -1 : end + 2;
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
  const reader = new JUnitReader(false);
  try {
    await readText(path, (text) => reader.push(text));
    return reader.end();
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    // The line of the fault, counted now that there is one.
    let line = 1;
    let left = error.offset;
    await readText(path, (text) => {
      if (left > 0) line += linesIn(text, left);
      left -= text.length;
    });
    throw unreadable(malformedMessage(line, error.what));
  }
}

/** The file's text, chunk by chunk, in the encoding it names (see sniffEncoding). */
async function readText(path: string, onText: (text: string) => void): Promise<void> {
  let decoder: StrictDecoder | null = null;
  await readChunks(path, (chunk) => {
    let bytes: Uint8Array = chunk;
    if (!decoder) {
      const { encoding, skip } = sniffEncoding(bytes);
      decoder = new StrictDecoder(encoding);
      bytes = bytes.subarray(skip);
    }
    onText(decoder.decode(bytes));
  });
  if (decoder) onText((decoder as StrictDecoder).end());
}

const HINT = 'The pytest run was probably killed while writing it; run the suite again, and check for a test that ends the process.';

function unreadable(message: string, hint?: string): SmokesError {
  return new SmokesError('junit-unreadable', message, hint ?? HINT);
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
  private readonly utf8: Utf8Chunks | null;
  private readonly utf16: TextDecoder | null;
  constructor(private readonly encoding: JUnitEncoding) {
    // latin-1 maps every byte to one character: nothing to validate.
    this.utf8 = encoding === 'utf-8' ? new Utf8Chunks(true) : null;
    this.utf16 = encoding === 'utf-16le' || encoding === 'utf-16be' ? new TextDecoder(encoding, { fatal: true, ignoreBOM: true }) : null;
  }
  decode(bytes: Uint8Array): string {
    if (this.utf8) return this.utf8.decode(bytes) ?? this.invalid();
    if (this.utf16) return this.utf16Text(bytes, true);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
  end(): string {
    if (this.utf8) return this.utf8.end() ?? this.invalid();
    if (this.utf16) return this.utf16Text(new Uint8Array(0), false);
    return '';
  }
  private utf16Text(bytes: Uint8Array, stream: boolean): string {
    try {
      return this.utf16!.decode(bytes, { stream });
    } catch {
      return this.invalid();
    }
  }
  private invalid(): never {
    throw unreadable(`The JUnit XML is not valid ${this.encoding.toUpperCase()} text.`, NOT_PYTEST);
  }
}

/** The text of a whole JUnit file from its bytes (see sniffEncoding). */
export function decodeJUnit(bytes: Uint8Array): string {
  const { encoding, skip } = sniffEncoding(bytes);
  const decoder = new StrictDecoder(encoding);
  const text = decoder.decode(bytes.subarray(skip));
  return text + decoder.end();
}
