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

export function parseJUnit(xml: string): JUnitReport {
  if (!xml.trim()) throw unreadable('The JUnit XML file is empty.');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw unreadable(`The JUnit XML is malformed or cut short (line ${valid.err.line}: ${valid.err.msg}).`);
  }
  const doc = parser.parse(xml) as { testsuites?: { testsuite?: RawSuite[] }; testsuite?: RawSuite[] };
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

function unreadable(message: string): SmokesError {
  return new SmokesError(
    'junit-unreadable',
    message,
    'The pytest run was probably killed while writing it; run the suite again, and check for a test that ends the process.',
  );
}
