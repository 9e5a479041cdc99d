// Failure signatures (PRODUCT.md 2): the 4-tuple (node id, exception type, crash file:line, first message
// line) as one canonical string. Built only from pytest's report objects, which do not change with --tb,
// -vv, -l or -s, so the same failure keeps its signature (and its attempt count) across the loop.
//
// Format:   <nodeid> | <ExceptionType> | <file>:<line> | <message>
// Example:  tests/smoke/test_x.py::test_a | AssertionError | tests/smoke/test_x.py:12 | assert 3 == 4
// The location is `?` when pytest gives none. The message is the first non-empty line, without the
// `ExcType: ` prefix, whitespace collapsed, memory addresses replaced by `0x?`, at most 200 characters.

import type { CrashLocation, Failure } from './types';
import { stripAnsi } from './processes';
import type { JUnitCase } from './junit';
import type { CollectErrorRecord, ConftestErrorRecord, CrashRecord, PluginSummary, TestRecord } from './pluginReport';

export const SIGNATURE_SEPARATOR = ' | ';
export const MAX_SIGNATURE_MESSAGE = 200;

export interface SignatureParts {
  nodeid: string;
  exceptionType: string;
  location: CrashLocation | null;
  message: string;
}

export function makeSignature(f: SignatureParts): string {
  const type = f.exceptionType.trim() || '?';
  return joinSignature(f.nodeid, type, f.location, normalizeMessage(f.message, type));
}

function joinSignature(nodeid: string, type: string, location: CrashLocation | null, message: string): string {
  return [nodeid, type, location ? `${location.file}:${location.line}` : '?', message].join(SIGNATURE_SEPARATOR);
}

/** Splits a signature back into its parts (the message may itself contain the separator). */
export function parseSignature(signature: string): { nodeid: string; exceptionType: string; location: string; message: string } | null {
  const parts = signature.split(SIGNATURE_SEPARATOR);
  if (parts.length < 4) return null;
  const [nodeid, exceptionType, location, ...rest] = parts;
  return { nodeid, exceptionType, location, message: rest.join(SIGNATURE_SEPARATOR) };
}

/**
 * The message as it goes into a signature: stable across runs and verbosity. Also used for
 * `Failure.message`, so what is shown is what is compared.
 */
export function normalizeMessage(message: string, exceptionType?: string): string {
  let text = firstLine(message).trim();
  text = stripTypePrefix(text, exceptionType);
  if (text.includes('0x')) text = text.replace(/\b0x[0-9a-fA-F]{4,}\b/g, '0x?');
  // Tested first: most messages have single spaces only, and the replacement would copy them unchanged.
  if (/\s\s|[^\S ]/.test(text)) text = text.replace(/\s+/g, ' ');
  text = text.trim();
  if (text.length > MAX_SIGNATURE_MESSAGE) text = text.slice(0, MAX_SIGNATURE_MESSAGE - 1) + '…';
  return text;
}

/** The first line that is not blank, found without splitting the whole text (a message can be a traceback). */
function firstLine(text: string): string {
  for (let from = 0; from < text.length; ) {
    const nl = text.indexOf('\n', from);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(from, end);
    if (line.trim() !== '') return line;
    from = end + 1;
  }
  return '';
}

/** `ValueError: x` or, for non-builtins, the qualified `pkg.errors.ValueError: x`, by exception type. */
const typePrefixes = new Map<string, RegExp>();

function stripTypePrefix(text: string, exceptionType?: string): string {
  if (exceptionType && exceptionType !== '?') {
    if (!text.includes(exceptionType)) return text;
    let prefix = typePrefixes.get(exceptionType);
    if (!prefix) {
      // A run has a handful of exception types; the cache is bounded all the same.
      if (typePrefixes.size >= 200) typePrefixes.clear();
      prefix = new RegExp(`^(?:[A-Za-z_][\\w]*\\.)*${escapeRegExp(exceptionType)}:\\s`);
      typePrefixes.set(exceptionType, prefix);
    }
    const match = prefix.exec(text);
    return match ? text.slice(match[0].length) : text;
  }
  return text.replace(TYPE_PREFIX, '');
}

/** `Type: message`, as pytest writes a crash message for anything but a rewritten assert. */
const TYPE_PREFIX = /^(?:[A-Za-z_]\w*\.)*([A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning|Failed|Failure|Iteration)|Failed|Exit|Skipped):\s/;

/** Exception type named at the start of a crash message, when it names one. */
export function exceptionTypeFromMessage(message: string): string | null {
  const first = message.trimStart().split(/\r?\n/)[0] ?? '';
  const match = TYPE_PREFIX.exec(first);
  if (match) return match[1];
  if (/^assert\b/.test(first)) return 'AssertionError';
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The crash location: pytest's reprcrash (the deepest frame), else the exception's deepest frame. When
 * that frame is outside the project (the standard library, as for a unittest `assertEqual`, or an installed
 * package), the project's deepest frame instead: a path relative to the rootdir that names the project's
 * own line and does not change with the interpreter's install path or a library's version.
 */
function location(crash: CrashRecord | null | undefined, record: { excPath?: string; excLine?: number; projPath?: string; projLine?: number }): CrashLocation | null {
  let found: CrashLocation | null = null;
  if (crash?.path && typeof crash.lineno === 'number') found = { file: crash.path, line: crash.lineno };
  else if (record.excPath && typeof record.excLine === 'number') found = { file: record.excPath, line: record.excLine };
  if (found && outsideProject(found.file) && record.projPath && typeof record.projLine === 'number') return { file: record.projPath, line: record.projLine };
  return found;
}

/** The plugin writes project paths relative to the rootdir; anything else is outside the project. */
function outsideProject(file: string): boolean {
  return file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) || file.startsWith('../') || (file.includes('-packages/') && /(^|\/)(site|dist)-packages\//.test(file));
}

function failure(
  nodeid: string,
  kind: Failure['kind'],
  record: { excType?: string; excPath?: string; excLine?: number; excMessage?: string; projPath?: string; projLine?: number },
  crash: CrashRecord | null | undefined,
  rawMessage: string,
  longrepr: string | null | undefined,
): Failure {
  const exceptionType = record.excType || exceptionTypeFromMessage(rawMessage) || '?';
  const loc = location(crash, record);
  // An exception without a message reads as its type, as pytest's crash message does.
  const normalized = normalizeMessage(rawMessage, exceptionType);
  const message = normalized || exceptionType;
  // makeSignature's normalization of the message again changes a normalized one only where a type prefix
  // is left after the first was stripped (`E: E: x`); that check is all it costs here otherwise.
  const type = exceptionType.trim() || '?';
  const again = normalized !== '' && type === exceptionType && stripTypePrefix(normalized, type) === normalized ? normalized : normalizeMessage(message, type);
  const out: Failure = { nodeid, kind, exceptionType, location: loc, message, signature: joinSignature(nodeid, type, loc, again) };
  // pytest colours assertion diffs inside the traceback text under --color=yes; keep it plain.
  if (longrepr) out.longrepr = stripAnsi(longrepr);
  return out;
}

export function failureFromTestRecord(r: TestRecord): Failure {
  // A failure during the test body is a failed test; in setup or teardown (fixtures) it is an error.
  const kind: Failure['kind'] = r.when === 'call' ? 'failed' : 'error';
  // A strict xfail that passed fails with no exception: its longrepr (`[XPASS(strict)] reason`) is the message.
  const raw = r.sigMessage ?? r.crash?.message ?? r.excMessage ?? r.longrepr ?? '';
  return failure(r.nodeid, kind, r, r.crash, raw, r.longrepr);
}

export function failureFromCollectError(r: CollectErrorRecord): Failure {
  // A CollectError raised `from` an ImportError has no reprcrash; the plugin then names the cause.
  const raw = r.crash?.message ?? r.excMessage ?? '';
  return failure(r.nodeid, 'collection-error', r, r.crash, raw, r.longrepr);
}

export function failureFromConftestError(r: ConftestErrorRecord): Failure {
  return failure(r.nodeid ?? 'conftest.py', 'collection-error', r, null, r.excMessage ?? '', null);
}

/**
 * A failure read from a JUnit file alone (no plugin records beside it): JUnit carries no crash location,
 * so the signature's location is unknown (`?`, see pytest-facts.md). Same rules as the records' failures.
 */
export function failureFromJUnitCase(c: JUnitCase): Failure {
  const nodeid = c.classname ? `${c.classname.replace(/\./g, '/')}.py::${c.name}` : c.name;
  const kind: Failure['kind'] = c.outcome === 'error' ? 'error' : 'failed';
  return failure(nodeid, kind, { excType: c.type }, null, c.message ?? '', c.text);
}

/** Every failing thing the plugin recorded, in report order, one Failure per failing report. */
export function failuresFromRecords(summary: Pick<PluginSummary, 'tests' | 'collectErrors' | 'conftestErrors'>): Failure[] {
  const failures: Failure[] = [];
  for (const r of summary.conftestErrors) failures.push(failureFromConftestError(r));
  for (const r of summary.collectErrors) failures.push(failureFromCollectError(r));
  for (const r of summary.tests) if (r.outcome === 'failed') failures.push(failureFromTestRecord(r));
  return failures;
}
