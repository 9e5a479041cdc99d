// The spec's pytest commands as argument arrays, and as the line a person would type (PRODUCT.md 22):
// the interpreter as chosen, `-m pytest`, the arguments quoted for a POSIX shell. Only these commands are
// shown and put in `repro_commands`; the runner adds its plugin and report flags to the argv alone.

export interface Selection {
  /** Node ids (or paths) to run; empty for the spec's default selection. */
  select: string[];
  /** A `-m` marker expression; empty for none. */
  markExpr: string;
}

/** The spec's default selection, replaced by the user's own when they set one (PRODUCT.md 1). */
export const DEFAULT_SELECTION_ARGS = ['tests/smoke', '-k', 'smoke'] as const;

function selectionArgs(sel: Selection): string[] {
  const select = sel.select.map((s) => s.trim()).filter(Boolean);
  const markExpr = sel.markExpr.trim();
  if (select.length === 0 && !markExpr) return [...DEFAULT_SELECTION_ARGS];
  return [...select, ...(markExpr ? ['-m', markExpr] : [])];
}

/** `pytest -q tests/smoke -k smoke --maxfail=3 -rf` (spec step 1). */
export function baselineArgs(sel: Selection): string[] {
  return ['-q', ...selectionArgs(sel), '--maxfail=3', '-rf'];
}

/**
 * The run an attempt works from (PRODUCT.md 3): attempt 1 the baseline, attempt 2 the baseline with
 * `--tb=short`, attempt 3 (and any later) the focused rerun of the one test.
 */
export function attemptArgs(attempt: number, sel: Selection, nodeid: string): string[] {
  if (attempt <= 1) return baselineArgs(sel);
  if (attempt === 2) return [...baselineArgs(sel), '--tb=short'];
  return ['-vv', '-l', '-s', '--tb=long', '--maxfail=1', nodeid];
}

/**
 * `<python> -m pytest <args>`, each part quoted for a POSIX shell where it needs it. `python -m pytest`,
 * not the `pytest` script: `-m` puts the working folder on `sys.path`, so only this form reproduces what
 * the loop saw. `python` is the interpreter as a person types it in the workspace (see displayPython).
 */
export function displayCommand(args: string[], python = 'python3'): string {
  return [shellQuote(python), '-m', 'pytest', ...args.map(shellQuote)].join(' ');
}

/**
 * A plain test run (the Test Explorer's Run profile): the selection, or the given node ids, with every
 * failure reported (no `--maxfail`), since nothing is repaired from it.
 */
export function testRunArgs(sel: Selection, nodeids: string[] = []): string[] {
  return ['-q', ...(nodeids.length ? nodeids : selectionArgs(sel)), '-rf'];
}

export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
