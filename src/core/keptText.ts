// The traceback text a run keeps. A run holds every failure's traceback until the next run replaces it;
// a suite with thousands of failures would hold hundreds of MB of them. Each traceback is kept to its last
// 20,000 characters (as the plugin writes it), and the tracebacks of one report to a budget: past it, a
// traceback keeps only its last lines (the crash and where it happened), so memory is bounded by the
// number of failures, not by the size of their text.

/** The plugin keeps the last 20,000 characters of a traceback (_MAX_TEXT in smokes_fixer_pytest.py). */
export const MAX_TRACEBACK = 20_000;
/** Characters of traceback one report keeps whole, in all. */
export const TRACEBACK_BUDGET = 8_000_000;
/** A traceback past the budget: its last lines, up to this many characters. */
export const SHORT_TRACEBACK = 1_000;
export const SHORTENED_MARK = '… (earlier lines not kept)\n';

export class TracebackBudget {
  private left = TRACEBACK_BUDGET;

  /** Counts a traceback of `length` characters against the budget: true when it is kept whole. */
  take(length: number): boolean {
    if (length > this.left) return false;
    this.left -= length;
    return true;
  }

  /** The part of `text` to keep: the same string when it is kept whole, else a copy of its end. */
  keep(text: string): string {
    const capped = text.length <= MAX_TRACEBACK ? text : text.slice(-MAX_TRACEBACK);
    if (this.take(capped.length)) return capped === text ? text : own(capped);
    return shortened(capped);
  }
}

/** A traceback past the budget: its last lines after SHORTENED_MARK, as a string of its own. */
export function shortened(text: string): string {
  return own(SHORTENED_MARK + lastLines(text, SHORT_TRACEBACK));
}

/** The end of `text` from the start of a line, at most `max` characters (cut inside a longer line). */
export function lastLines(text: string, max: number): string {
  if (text.length <= max) return text;
  const from = text.indexOf('\n', text.length - max - 1);
  return from >= 0 && from < text.length - 1 ? text.slice(from + 1) : text.slice(-max);
}

/**
 * A copy of a string to keep. A slice of a longer string keeps that whole string alive (a chunk of the
 * file being read, a traceback cut to its end); the copy holds only its own characters.
 */
export function own(text: string): string {
  return text.length < 13 ? text : (text + ' ').slice(0, -1);
}
