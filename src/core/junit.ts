// Reads pytest's JUnit XML (`--junitxml`): test cases with outcome, time, crash message and traceback text.
// The XML is validated first, so a file cut short by a killed run is a clear error, not half a result.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
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

const ARRAYS = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped', 'system-out', 'system-err']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  trimValues: false,
  // pytest writes newlines in attributes as `&#10;`.
  htmlEntities: true,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => ARRAYS.has(name),
});

interface RawElement {
  '#text'?: string;
  message?: string;
  type?: string;
}

interface RawCase {
  classname?: string;
  name?: string;
  time?: string;
  failure?: RawElement[];
  error?: RawElement[];
  skipped?: RawElement[];
}

interface RawSuite {
  tests?: string;
  failures?: string;
  errors?: string;
  skipped?: string;
  time?: string;
  testcase?: RawCase[];
}

/**
 * The text of a JUnit file from its bytes: a UTF-8/UTF-16 byte-order mark, else the encoding its XML
 * declaration names (UTF-8, UTF-16, ISO-8859-1/latin-1, ASCII); bytes that are not valid in that encoding,
 * or an encoding Node cannot decode, are a clear error rather than replacement characters in signatures.
 */
export function decodeJUnit(bytes: Uint8Array): string {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return decodeStrict('utf-8', b.subarray(3));
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return decodeStrict('utf-16le', b.subarray(2));
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return decodeStrict('utf-16be', b.subarray(2));
  // UTF-16 without a mark still starts with `<` next to a zero byte.
  if (b.length >= 2 && b[0] === 0x3c && b[1] === 0x00) return decodeStrict('utf-16le', b);
  if (b.length >= 2 && b[0] === 0x00 && b[1] === 0x3c) return decodeStrict('utf-16be', b);
  const head = Buffer.from(b.subarray(0, 200)).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase() ?? 'utf-8';
  const label = ({ 'utf8': 'utf-8', 'latin1': 'latin1', 'latin-1': 'latin1', 'iso-8859-1': 'latin1', 'iso8859-1': 'latin1', 'us-ascii': 'utf-8', 'ascii': 'utf-8' } as Record<string, string>)[declared] ?? declared;
  // latin-1 maps every byte to one character: nothing to validate.
  if (label === 'latin1') return Buffer.from(b).toString('latin1');
  if (label !== 'utf-8') throw unreadable(`The JUnit XML declares the encoding "${declared}", which Smokes Fixer does not read (UTF-8, UTF-16 or ISO-8859-1).`, NOT_PYTEST);
  return decodeStrict('utf-8', b);
}

function decodeStrict(encoding: 'utf-8' | 'utf-16le' | 'utf-16be', bytes: Uint8Array): string {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw unreadable(`The JUnit XML is not valid ${encoding.toUpperCase()} text.`, NOT_PYTEST);
  }
}

// The prolog may only hold the declaration, comments and processing instructions before a DOCTYPE.
const DOCTYPE = /^\uFEFF?\s*(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*)*<!DOCTYPE/i;

export function parseJUnit(xml: string): JUnitReport {
  if (!xml.trim()) throw unreadable('The JUnit XML file is empty.');
  // pytest never writes a DOCTYPE; one here can only declare entities (billion laughs, external files).
  if (DOCTYPE.test(xml)) throw unreadable('The JUnit XML has a DOCTYPE declaration, which pytest never writes; it is not read.', NOT_PYTEST);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw unreadable(`The JUnit XML is malformed or cut short (line ${valid.err.line}: ${valid.err.msg}).`);
  }
  let doc: { testsuites?: { testsuite?: RawSuite[] }; testsuite?: RawSuite[] };
  try {
    doc = parser.parse(xml) as typeof doc;
  } catch (error) {
    throw unreadable(`The JUnit XML could not be read: ${(error as Error).message}.`);
  }
  const suites = doc.testsuites?.testsuite ?? doc.testsuite;
  if (!suites && !doc.testsuites) throw unreadable('The XML has no <testsuites> or <testsuite> element.');

  const report: JUnitReport = { cases: [], totals: { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 } };
  for (const suite of suites ?? []) {
    report.totals.tests += num(suite.tests);
    report.totals.failures += num(suite.failures);
    report.totals.errors += num(suite.errors);
    report.totals.skipped += num(suite.skipped);
    report.totals.time += num(suite.time);
    for (const raw of suite.testcase ?? []) report.cases.push(readCase(raw));
  }
  return report;
}

function readCase(raw: RawCase): JUnitCase {
  const base = { classname: raw.classname ?? '', name: raw.name ?? '', time: num(raw.time) };
  // A test failing in its body and again in teardown has both <failure> and <error>: the body counts.
  const failure = raw.failure?.[0];
  if (failure) return { ...base, outcome: 'failed', ...details(failure) };
  const error = raw.error?.[0];
  if (error) return { ...base, outcome: 'error', ...details(error) };
  const skipped = raw.skipped?.[0];
  if (skipped) return { ...base, outcome: skipped.type === 'pytest.xfail' ? 'xfailed' : 'skipped', ...details(skipped) };
  return { ...base, outcome: 'passed' };
}

function details(el: RawElement | string): Pick<JUnitCase, 'message' | 'text' | 'type'> {
  // An element with neither attributes nor text is parsed as an empty string.
  if (typeof el === 'string') return el ? { text: el } : {};
  const out: Pick<JUnitCase, 'message' | 'text' | 'type'> = {};
  if (el.message !== undefined) out.message = String(el.message);
  if (el['#text'] !== undefined && String(el['#text']) !== '') out.text = String(el['#text']);
  if (el.type !== undefined) out.type = String(el.type);
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
