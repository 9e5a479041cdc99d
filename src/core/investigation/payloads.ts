import * as path from 'node:path';
import { LIMITS, type Failure } from '../types';

/**
 * What the two investigation helpers of loop step 7 may see. Pure functions: the private helper gets the
 * error and at most 40 lines of the user's code; the public helper gets only the error, public symbol
 * names and versions, scrubbed of everything that could identify the project or its hosts.
 */

export interface TracebackFrame {
  /** As printed: absolute, or relative to pytest's rootdir. */
  file: string;
  line: number;
  func: string | null;
}

export type FrameKind = 'user' | 'third-party' | 'stdlib' | 'tooling' | 'outside';

export interface PrivatePayload {
  helper: 'private';
  /** The exception lines of the failure (no traceback source lines). */
  error: string;
  /** The top frame in the user's code, relative to the workspace. */
  location: { file: string; line: number } | null;
  /** At most 40 lines around `location`. */
  code: { file: string; startLine: number; endLine: number; text: string } | null;
}

export interface PublicPayload {
  helper: 'public';
  /** The exception lines, scrubbed. */
  error: string;
  /** Dotted names from the standard library and installed third-party packages only. */
  symbols: string[];
  versions: { python: string | null; packages: Record<string, string> };
}

export type InvestigationPayload = PrivatePayload | PublicPayload;

const MAX_ERROR_LINES = 20;
const MAX_ERROR_CHARS = 4000;
const MAX_LINE_CHARS = 500;
const MAX_SYMBOLS = 30;

// ---------------------------------------------------------------------------------------------
// Tracebacks

const NATIVE_FRAME = /^\s*File "([^"]+)", line (\d+)(?:, in (\S+))?/;
// pytest's location lines: `calc/core.py:13: in div`, `calc/core.py:13: ZeroDivisionError`, `/abs/x.py:3: AssertionError: ...`
const PYTEST_FRAME = /^((?:[A-Za-z]:)?[^\s:"]+\.pyw?):(\d+):(?: in ([\w<>.]+))?/;

/** Every frame of a Python traceback, outermost first, in both native and pytest's formats. */
export function parseTracebackFrames(traceback: string): TracebackFrame[] {
  const frames: TracebackFrame[] = [];
  const lines = traceback.split(/\r?\n/);
  let blockStart = 0;
  lines.forEach((raw, index) => {
    const native = NATIVE_FRAME.exec(raw);
    if (native) {
      frames.push({ file: native[1], line: Number(native[2]), func: native[3] ?? null });
      return;
    }
    const pytest = PYTEST_FRAME.exec(raw);
    if (!pytest) return;
    // pytest's long form names the function only in the source block above (`def name(`), not on the location line.
    const func = pytest[3] ?? enclosingDef(lines.slice(blockStart, index));
    frames.push({ file: pytest[1], line: Number(pytest[2]), func });
    blockStart = index + 1;
  });
  return frames;
}

function enclosingDef(block: string[]): string | null {
  for (let i = block.length - 1; i >= 0; i--) {
    const def = /^\s*(?:async\s+)?def (\w+)\(/.exec(block[i]);
    if (def) return def[1];
  }
  return null;
}

const TOOLING_ROOTS = new Set(['_pytest', 'pytest', 'pluggy', 'py', '_hypothesis_pytestplugin', 'xdist', 'pytest_html']);
const PACKAGES_DIR = /[\\/](?:site|dist)-packages[\\/](.+)$/;
const STDLIB_DIR = /[\\/]lib[\\/]python\d+(?:\.\d+)?t?[\\/](.+)$|[\\/]Lib[\\/](.+)$/;

/** Where a traceback frame's file lives, and its dotted module name when it is public code. */
export function classifyFrame(file: string, workspace: string): { kind: FrameKind; module: string | null; relative: string | null } {
  const f = file.replace(/\\/g, '/');
  if (f.startsWith('<')) return { kind: 'tooling', module: null, relative: null };
  const pkg = PACKAGES_DIR.exec(f);
  if (pkg) {
    const module = moduleName(pkg[1]);
    const root = module?.split('.')[0] ?? '';
    return { kind: TOOLING_ROOTS.has(root) ? 'tooling' : 'third-party', module, relative: null };
  }
  const std = STDLIB_DIR.exec(f);
  if (std && isAbsolute(f)) return { kind: 'stdlib', module: moduleName(std[1] ?? std[2]), relative: null };

  const root = path.resolve(workspace).replace(/\\/g, '/');
  const absolute = isAbsolute(f) ? path.posix.normalize(f) : path.posix.normalize(`${root}/${f}`);
  const rel = path.posix.relative(root, absolute);
  if (rel === '' || rel.startsWith('../') || rel === '..' || isAbsolute(rel)) return { kind: 'outside', module: null, relative: null };
  const first = rel.split('/')[0];
  if (TOOLING_ROOTS.has(first)) return { kind: 'tooling', module: null, relative: rel };
  return { kind: 'user', module: null, relative: rel };
}

function isAbsolute(f: string): boolean {
  return f.startsWith('/') || /^[A-Za-z]:\//.test(f);
}

function moduleName(rel: string): string | null {
  const parts = rel.replace(/\.pyw?$/, '').split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  if (parts.length === 0 || !parts.every((p) => /^[A-Za-z_]\w*$/.test(p))) return null;
  return parts.join('.');
}

/**
 * The innermost traceback frame in the user's own code (not pytest's, the standard library or an installed
 * package), relative to the workspace with `/` separators; null when the traceback has none.
 */
export function topUserFrame(traceback: string, workspace: string): { file: string; line: number } | null {
  const frames = parseTracebackFrames(traceback);
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    const where = classifyFrame(frame.file, workspace);
    if (where.kind === 'user' && where.relative) return { file: where.relative, line: frame.line };
  }
  return null;
}

/** Top-level import names of the installed packages whose frames the traceback passes through. */
export function thirdPartyRoots(traceback: string, workspace: string): string[] {
  const roots = new Set<string>();
  for (const frame of parseTracebackFrames(traceback)) {
    const where = classifyFrame(frame.file, workspace);
    if (where.kind === 'third-party' && where.module) roots.add(where.module.split('.')[0]);
  }
  return [...roots];
}

/**
 * The exception lines of a failure's text: pytest's `E` lines when there are any, else what follows the
 * last frame of a native traceback, else the text's first lines. Traceback source lines are never part of it.
 */
export function errorLines(errorText: string): string[] {
  const lines = errorText.split(/\r?\n/);
  const e = lines.filter((l) => /^E(\s|$)/.test(l)).map((l) => l.slice(1));
  if (e.length > 0) {
    const indent = Math.min(...e.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
    return cap(e.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)));
  }
  let lastFrame = -1;
  lines.forEach((l, i) => {
    if (NATIVE_FRAME.test(l)) lastFrame = i;
  });
  if (lastFrame >= 0) {
    // The frame line, then its indented source line(s), then the exception.
    let i = lastFrame + 1;
    while (i < lines.length && (/^\s/.test(lines[i]) || lines[i].trim() === '')) i++;
    return cap(lines.slice(i));
  }
  return cap(lines.filter((l) => !PYTEST_FRAME.test(l)));
}

function cap(lines: string[]): string[] {
  const kept = lines.map((l) => l.replace(/\s+$/, '')).filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== ''));
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const out: string[] = [];
  let size = 0;
  for (const line of kept.slice(0, MAX_ERROR_LINES)) {
    const l = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
    if (size + l.length > MAX_ERROR_CHARS) break;
    out.push(l);
    size += l.length + 1;
  }
  return out;
}

/**
 * Lines of a traceback that are the user's code or its values: indented source lines, pytest's `>` lines and
 * `-l` locals (`name   = value`). Frame locations, `E` lines and unindented exception lines are not.
 */
export function tracebackCodeLines(traceback: string): string[] {
  const out: string[] = [];
  for (const raw of traceback.split(/\r?\n/)) {
    if (NATIVE_FRAME.test(raw) || PYTEST_FRAME.test(raw) || /^E(\s|$)/.test(raw)) continue;
    if (!/^(>|\s)/.test(raw) && !/^[A-Za-z_]\w*\s*= /.test(raw)) continue;
    const line = raw.replace(/^>/, '').trim();
    if (!line || /^[_ ]+$|^[\^~ ]+$/.test(line)) continue; // separators, 3.11's position markers
    out.push(line);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The private payload

export interface PrivatePayloadInput {
  errorText: string;
  failure: Failure;
  /** Code around the top user frame; the caller reads it, this enforces the 40-line cap. */
  codeContext: { file: string; startLine: number; text: string } | null;
  /** The line to keep in view when the context must be cut; defaults to the failure's crash line. */
  focusLine?: number;
}

export function buildPrivatePayload(i: PrivatePayloadInput): PrivatePayload {
  const error = errorLines(i.errorText);
  const fallback = `${i.failure.exceptionType}: ${i.failure.message}`;
  const crash = i.failure.location;
  const focus = i.focusLine ?? (crash && i.codeContext && crash.file === i.codeContext.file ? crash.line : null);
  const code = i.codeContext ? capCode(i.codeContext, focus) : null;
  let location: PrivatePayload['location'] = crash ? { file: crash.file, line: crash.line } : null;
  if (code) location = { file: code.file, line: focus !== null && focus >= code.startLine && focus <= code.endLine ? focus : code.startLine };
  return { helper: 'private', error: error.length ? error.join('\n') : fallback, location, code };
}

function capCode(
  c: { file: string; startLine: number; text: string },
  focus: number | null,
): PrivatePayload['code'] {
  const lines = c.text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const max = LIMITS.contextLines;
  let from = 0;
  if (lines.length > max) {
    const at = focus !== null && focus >= c.startLine && focus < c.startLine + lines.length ? focus - c.startLine : Math.floor(lines.length / 2);
    from = Math.max(0, Math.min(at - Math.floor((max - 1) / 2), lines.length - max));
  }
  const kept = lines.slice(from, from + max);
  const startLine = Math.max(1, c.startLine) + from;
  return { file: c.file, startLine, endLine: startLine + kept.length - 1, text: kept.join('\n') + '\n' };
}

// ---------------------------------------------------------------------------------------------
// The public payload

export interface PublicPayloadInput {
  errorText: string;
  traceback: string;
  workspace: string;
  /** Top-level names of the user's own packages and modules. */
  userModules: string[];
  versions: { python: string | null; packages: Record<string, string> };
  /** Lines of the user's code known to the caller (the files of the traceback's user frames); never sent. */
  codeLines?: string[];
  /** Literal secret values (the environment's keys and tokens); never sent. */
  secrets?: string[];
}

export function buildPublicPayload(i: PublicPayloadInput): PublicPayload {
  const codeLines = [...tracebackCodeLines(i.traceback), ...tracebackCodeLines(i.errorText), ...(i.codeLines ?? [])];
  const scrubOptions = { userModules: i.userModules, codeLines, workspace: i.workspace, secrets: i.secrets };
  const error = errorLines(i.errorText)
    .map((l) => scrubPublicText(l, scrubOptions))
    .filter((l) => l.trim() !== '')
    .join('\n');
  return {
    helper: 'public',
    error,
    symbols: publicSymbols(i),
    versions: {
      python: cleanVersion(i.versions.python),
      packages: cleanPackages(i.versions.packages, i.userModules),
    },
  };
}

const BUILTIN_EXCEPTIONS = new Set(
  (
    'BaseException Exception ArithmeticError AssertionError AttributeError BlockingIOError BrokenPipeError BufferError ' +
    'ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError EOFError ' +
    'FileExistsError FileNotFoundError FloatingPointError GeneratorExit ImportError IndentationError IndexError ' +
    'InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError ' +
    'NotADirectoryError NotImplementedError OSError OverflowError PermissionError ProcessLookupError RecursionError ' +
    'ReferenceError RuntimeError StopAsyncIteration StopIteration SyntaxError SystemError SystemExit TabError TimeoutError ' +
    'TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError ValueError ' +
    'ZeroDivisionError ExceptionGroup BaseExceptionGroup EncodingWarning Warning UserWarning DeprecationWarning ' +
    'PendingDeprecationWarning RuntimeWarning SyntaxWarning ResourceWarning FutureWarning ImportWarning UnicodeWarning BytesWarning'
  ).split(' '),
);

const SYMBOL = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;

/** Names from the standard library and installed packages: frames' modules and functions, the exception type. */
function publicSymbols(i: PublicPayloadInput): string[] {
  const user = new Set(i.userModules.map((m) => m.toLowerCase()));
  const roots = new Set<string>();
  const found: string[] = [];
  for (const frame of parseTracebackFrames(i.traceback)) {
    const where = classifyFrame(frame.file, i.workspace);
    if ((where.kind !== 'third-party' && where.kind !== 'stdlib') || !where.module) continue;
    roots.add(where.module.split('.')[0]);
    const func = frame.func && /^[A-Za-z_]\w*$/.test(frame.func) ? frame.func : null;
    found.push(func ? `${where.module}.${func}` : where.module);
  }
  for (const line of errorLines(i.errorText)) {
    const head = /^([A-Za-z_][\w.]*)(?::|$)/.exec(line.trim());
    if (!head) continue;
    const name = head[1];
    if (BUILTIN_EXCEPTIONS.has(name) || (name.includes('.') && roots.has(name.split('.')[0]))) found.push(name);
  }
  const out: string[] = [];
  for (const s of found) {
    if (!SYMBOL.test(s) || s.length > 200) continue;
    if (s.split('.').some((part) => user.has(part.toLowerCase()))) continue;
    if (looksSecret(s)) continue;
    if (!out.includes(s)) out.push(s);
  }
  return out.slice(0, MAX_SYMBOLS);
}

function cleanVersion(v: string | null): string | null {
  return v && /^\d+(?:\.\d+){0,3}(?:[a-z]+\d*)?\+?$/.test(v.trim()) ? v.trim() : null;
}

function cleanPackages(packages: Record<string, string>, userModules: string[]): Record<string, string> {
  const norm = (s: string) => s.toLowerCase().replace(/[-_.]+/g, '-');
  const user = new Set(userModules.map(norm));
  const out: Record<string, string> = {};
  for (const [name, version] of Object.entries(packages)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/.test(name) || user.has(norm(name))) continue;
    if (!/^[A-Za-z0-9][\w.+!-]{0,40}$/.test(version)) continue;
    out[name] = version;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scrubbing

const TLDS =
  'com|net|org|io|dev|app|ai|co|cloud|internal|intranet|local|localdomain|lan|corp|home|private|test|example|invalid|' +
  'edu|gov|mil|int|info|biz|me|us|uk|de|fr|nl|eu|ch|at|se|no|fi|dk|pl|es|it|jp|cn|in|au|ca|br|ru|kr|tech|online|site|xyz|svc|cluster';
const HOST_NAME = new RegExp(`\\b(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+(?:${TLDS})\\b(?!\\.?\\w)`, 'gi');
const HOST_CONTEXT = /\b(host(?:name)?|server|addr(?:ess)?)(\s*[=:]\s*|\s+(?=['"]))(['"]?)([A-Za-z0-9][A-Za-z0-9.-]*)\3/gi;
const URL = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"<>)\]}]+/g;
const EMAIL = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*/g;
const BEARER = /\b(Bearer|Basic|Token)\s+[\w.~+/-]+=*/gi;
const AWS_KEY = /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{12,}\b/g;
const KNOWN_TOKENS = /\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_\w{20,}|xox[abposr]-[\w-]{10,}|sk[-_](?:live|test|proj)?[-_]?[A-Za-z0-9_-]{16,}|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*)\b/g;
const KEY_VALUE =
  /\b([\w-]*(?:key|secret|token|passw(?:or)?d|pwd|credential|auth|session|cookie|signature)[\w-]*)(["']?\s*[=:]\s*)(["']?)([^\s"'`,;&()<>{}[\]=]+=*)/gi;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const ABS_PATH = /(^|[\s'"`(=:,[{<])((?:[A-Za-z]:[\\/]|~[\\/]|\/)[^\s'"`,;()[\]{}<>=]+)/g;
const REL_PATH = /(?<![\w<])[\w.-]+(?:[\\/][\w.-]+)+/g;
const IPV6 = /(?<![\w:.])\[?(?:[0-9A-Fa-f]{0,4}:){2,8}(?:[0-9A-Fa-f]{0,4}|\d{1,3}(?:\.\d{1,3}){3})(?:%[\w.]+)?\]?(?!\w|:[0-9A-Fa-f:])/g;
const IPV4 = /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]*\d)/g;
const HEX = /\b[0-9A-Fa-f]{16,}\b/g;
// A `name:port` is a host wherever it stands (`connecting to cache-node-3:6379`); not a file's `name.py:13`.
const HOST_PORT = /(?<![\w.<>@/-])([A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*):(\d{2,5})\b(?![.:]\d)/g;
const NOT_HOST_BEFORE_PORT = /\.(?:pyw?|pyx|pyi|txt|json|cfg|ini|toml|ya?ml|js|ts|c|h|cpp|rs|go|java|rb|sh|html|xml|csv|log)$|^(?:line|lines|col|column|offset|pos|position|index|item|step|attempt|retry|retries|size|len|length|count|id|page|row|char|byte|version|python|pytest|errno|code|status|exit|at|in|on|to|of)$/i;
// `password:1234` is a secret under a key, not a host and its port.
const SECRET_KEY_NAME = /(?:^|[-_])?(?:key|secret|token|passw(?:or)?d|pwd|pin|auth|credential|session|cookie|signature)$/i;
// US social-security numbers; card numbers are checked with Luhn below.
const NATIONAL_ID = /(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])/g;
const CARD_CANDIDATE = /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g;
// Acronyms and word pairs written with a slash are prose, not paths.
const SLASH_WORDS = /^(?:[A-Z]{1,6}(?:\/[A-Z]{1,6})+|and\/or|either\/or|read\/write|on\/off|yes\/no|true\/false|input\/output|client\/server|[Ii]\/[Oo])$/;
// Prose after `host:` / `server:` (`server: Connection refused`) is not a host name.
const NOT_A_HOST_VALUE = /^(?:[A-Z][a-z]+|none|null|unknown|not|is|was|unreachable|refused|missing|empty|true|false)$/;
const B64 = /[A-Za-z0-9+/_=-]{20,}/g;

/** The Luhn checksum of payment card numbers (13–19 digits). */
export function luhnValid(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function looksSecret(token: string): boolean {
  if (/^[0-9A-Fa-f]+$/.test(token)) return token.length >= 32 || (token.length >= 16 && /\d/.test(token));
  if (token.length < 20) return false;
  const lower = /[a-z]/.test(token);
  const upper = /[A-Z]/.test(token);
  const digit = /\d/.test(token);
  if (lower && upper && digit) return true;
  if (token.length >= 32 && digit && (lower || upper) && !token.includes('_')) return true;
  return token.length >= 24 && digit && /[+/=]/.test(token);
}

export interface ScrubOptions {
  userModules: string[];
  /** Lines of the user's code; any occurrence is replaced. */
  codeLines?: string[];
  workspace?: string;
  /** Literal values known to be secret (the environment's keys and tokens); replaced wherever they appear. */
  secrets?: string[];
}

/**
 * One line of text fit for a public service: the user's code, paths, URLs, e-mail addresses, host names,
 * IP addresses, secrets and the names of the user's own modules replaced by placeholders.
 */
export function scrubPublicText(text: string, o: ScrubOptions): string {
  let t = text;
  for (const secret of [...new Set(o.secrets ?? [])].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length)) {
    t = t.split(secret).join('<secret>');
  }
  const code = [...new Set((o.codeLines ?? []).map((l) => l.trim()).filter((l) => l.length >= 6))].sort((a, b) => b.length - a.length);
  for (const line of code) t = t.split(line).join('<code>');
  t = t.replace(PRIVATE_KEY, '<secret>');
  t = t.replace(URL, '<url>');
  t = t.replace(EMAIL, '<email>');
  t = t.replace(BEARER, (_m, kind: string) => `${kind} <secret>`);
  t = t.replace(AWS_KEY, '<secret>');
  t = t.replace(KNOWN_TOKENS, '<secret>');
  t = t.replace(HOST_PORT, (m, name: string, port: string) =>
    NOT_HOST_BEFORE_PORT.test(name) || SECRET_KEY_NAME.test(name) || Number(port) > 65535 ? m : `<host>:${port}`,
  );
  // `KeyError: 'name'` names a key, it does not hold one.
  t = t.replace(KEY_VALUE, (m, key: string, sep: string, q: string) => (/(error|exception|warning)$/i.test(key) ? m : `${key}${sep}${q}<secret>`));
  if (o.workspace) {
    const ws = path.resolve(o.workspace);
    // The workspace and anything below it, as one placeholder.
    for (const w of new Set([ws, ws.replace(/\\/g, '/')])) {
      t = t.replace(new RegExp(`${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s'"\`,;()<>=]*`, 'g'), '<path>');
    }
  }
  t = t.replace(ABS_PATH, (_m, lead: string) => `${lead}<path>`);
  // A port after a host already replaced (`<host>:10:`) is not an IPv6 address.
  t = t.replace(IPV6, (m, at: number, all: string) =>
    /[0-9A-Fa-f]/.test(m) && (m.match(/:/g)?.length ?? 0) >= 2 && !all.slice(0, at).endsWith('<host>') ? '<ip>' : m,
  );
  t = t.replace(IPV4, '<ip>');
  t = t.replace(HOST_CONTEXT, (m, key: string, sep: string, q: string, value: string, at: number, all: string) => {
    // Unquoted words running on into a sentence are prose (`server: expected 12 but got 13`), not a host.
    const prose = !q && (NOT_A_HOST_VALUE.test(value) || (/^[A-Za-z]+$/.test(value) && /^(?: (?!port\b)[a-z0-9]|\/)/.test(all.slice(at + m.length))));
    return prose ? m : `${key}${sep}${q}<host>${q}`;
  });
  t = t.replace(HOST_NAME, '<host>');
  t = t.replace(/\blocalhost\b/gi, '<host>');
  t = t.replace(NATIONAL_ID, '<id-number>');
  t = t.replace(CARD_CANDIDATE, (m) => (luhnValid(m.replace(/[ -]/g, '')) ? '<card-number>' : m));
  t = t.replace(HEX, (m) => (looksSecret(m) ? '<secret>' : m));
  t = t.replace(B64, (m) => (looksSecret(m) ? '<secret>' : m));
  t = t.replace(REL_PATH, (m) => (/[\\/]/.test(m) && !SLASH_WORDS.test(m) ? '<path>' : m));
  for (const name of [...new Set(o.userModules)].filter((n) => /^[A-Za-z_]\w*$/.test(n)).sort((a, b) => b.length - a.length)) {
    t = t.replace(new RegExp(`(?<![\\w])${name}(?:\\.[A-Za-z_]\\w*)*(?![\\w])`, 'gi'), '<module>');
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Text for a tool

/** The text a helper receives: the payload and nothing else, as a question. */
export function formatPayloadForTool(payload: InvestigationPayload): string {
  if (payload.helper === 'private') {
    const parts = ['A pytest smoke test fails with this error. What in the code below causes it, and how should it be fixed?', '', payload.error];
    if (payload.code) {
      const width = String(payload.code.endLine).length;
      const numbered = payload.code.text
        .replace(/\n$/, '')
        .split('\n')
        .map((l, k) => `${String(payload.code!.startLine + k).padStart(width)} | ${l}`);
      parts.push('', `Code around ${payload.code.file}:${payload.location?.line ?? payload.code.startLine}:`, ...numbered);
    }
    return parts.join('\n');
  }
  const parts = ['What does this Python error mean, and what usually fixes it?', '', payload.error || '(no error text)'];
  if (payload.symbols.length) parts.push('', `Symbols involved: ${payload.symbols.join(', ')}`);
  const versions = [
    ...(payload.versions.python ? [`Python ${payload.versions.python}`] : []),
    ...Object.entries(payload.versions.packages).map(([n, v]) => `${n} ${v}`),
  ];
  if (versions.length) parts.push(`Versions: ${versions.join(', ')}`);
  return parts.join('\n');
}
