import { TextTail } from '../core/textTail';
import type { LoopEvent } from '../core/types';

type OutputEvent = Extract<LoopEvent, { type: 'output' }>;
type Source = OutputEvent['source'];

/** How long output waits for more before it is passed on (VS Code's own terminals gather process data for 5 ms). */
export const OUTPUT_DELAY_MS = 5;
/** Waiting output is passed on at once past this many characters. */
export const OUTPUT_MAX_CHARS = 256 * 1024;

/**
 * How much output the live views (the terminal, Test Results) are given: a burst of up to `burst`
 * characters, then `perSecond`. An extension's pseudoterminal has no flow control: past what the window
 * can show, output queues in the extension host (hundreds of MB for a run printing 100 MB) and the
 * terminal falls behind by many seconds, while its scrollback keeps only the last 1,000 lines anyway.
 */
export interface LiveBudget {
  burst: number;
  perSecond: number;
}
export const LIVE_BUDGET: LiveBudget = { burst: 2_000_000, perSecond: 1_000_000 };
/** While skipping, the flood is checked this often; it is over when a check finds less than a tick's budget came. */
const SKIP_TICK_MS = 100;
/** What is shown of a skipped stretch when it ends: its last lines, at most this many, of at most this many characters. */
const SKIPPED_TAIL_LINES = 200;
const SKIPPED_TAIL_CHARS = 64 * 1024;

const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
export const SKIP_START = 'output arrives faster than the terminal can show it: skipping ahead';
export const skipEnd = (chars: number): string => `skipped ${(chars / 1e6).toFixed(1)} MB of output; the last lines before this point follow`;

export interface OutputBatcherOptions {
  delayMs?: number;
  maxChars?: number;
  budget?: LiveBudget;
  /** Milliseconds, for the budget (tests pass their own clock). */
  now?: () => number;
}

/** A stretch of output not shown live: how much, and its end. */
interface Skipping {
  source: Source;
  chars: number;
  sinceTick: number;
  tail: TextTail;
  timer: ReturnType<typeof setInterval>;
}

/**
 * Passes a run's events on to the live views, in order, with each source's output gathered into fewer,
 * larger events (a chatty process reaches node in many small reads; each event costs the extension host a
 * message to the terminal and one to Test Results). Output beyond the live budget is skipped, said so
 * in one line, and its last lines shown once it slows down; the run's artifacts are written by the engine
 * from all of it, so nothing is lost there. Any other event first passes on what waits before it.
 */
export class OutputBatcher {
  private source: Source | undefined;
  private parts: string[] = [];
  private chars = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly delayMs: number;
  private readonly maxChars: number;
  private readonly budget: LiveBudget;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;
  private skipping: Skipping | undefined;
  /** Whether the last text shown ended a line (a marker then needs no line break of its own before it). */
  private atLineStart = true;

  constructor(
    private readonly deliver: (event: LoopEvent) => void,
    o: OutputBatcherOptions = {},
  ) {
    this.delayMs = o.delayMs ?? OUTPUT_DELAY_MS;
    this.maxChars = o.maxChars ?? OUTPUT_MAX_CHARS;
    this.budget = o.budget ?? LIVE_BUDGET;
    this.now = o.now ?? (() => performance.now());
    this.tokens = this.budget.burst;
    this.refilledAt = this.now();
  }

  push(event: LoopEvent): void {
    if (event.type !== 'output') {
      this.close();
      this.deliver(event);
      return;
    }
    if (!event.text) return;
    if (this.source !== undefined && this.source !== event.source) this.flush();
    this.source = event.source;
    this.parts.push(event.text);
    this.chars += event.text.length;
    if (this.chars >= this.maxChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Passes on the output waiting now, if any. Call `close` when whatever receives the events ends. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.source === undefined) return;
    const event: OutputEvent = { type: 'output', source: this.source, text: this.parts.length === 1 ? this.parts[0] : this.parts.join('') };
    this.source = undefined;
    this.parts = [];
    this.chars = 0;
    this.show(event);
  }

  /** Passes on everything waiting, the end of a skipped stretch included, and stops the timers. */
  close(): void {
    this.flush();
    this.endSkipping();
  }

  private show(event: OutputEvent): void {
    const length = event.text.length;
    if (this.skipping && this.skipping.source !== event.source) this.endSkipping();
    if (!this.skipping) {
      this.refill();
      if (length <= this.tokens) {
        this.tokens -= length;
        this.pass(event.source, event.text);
        return;
      }
      this.pass(event.source, `${this.atLineStart ? '' : '\n'}${DIM}… ${SKIP_START}${RESET}\n`);
      this.skipping = { source: event.source, chars: 0, sinceTick: 0, tail: new TextTail(SKIPPED_TAIL_CHARS), timer: setInterval(() => this.tick(), SKIP_TICK_MS) };
    }
    this.skipping.chars += length;
    this.skipping.sinceTick += length;
    this.skipping.tail.push(event.text);
  }

  /** The flood is over when less came in a tick than the budget gives for one. */
  private tick(): void {
    if (!this.skipping) return;
    if (this.skipping.sinceTick * 1000 <= this.budget.perSecond * SKIP_TICK_MS) this.endSkipping();
    else this.skipping.sinceTick = 0;
  }

  private endSkipping(): void {
    const s = this.skipping;
    if (!s) return;
    clearInterval(s.timer);
    this.skipping = undefined;
    this.pass(s.source, `${DIM}… ${skipEnd(s.chars)}${RESET}\n${lastLines(s.tail.text(), s.chars > SKIPPED_TAIL_CHARS)}`);
    // A fresh half budget: a flood that starts again is caught sooner.
    this.tokens = this.budget.burst / 2;
    this.refilledAt = this.now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.budget.burst, this.tokens + ((now - this.refilledAt) * this.budget.perSecond) / 1000);
    this.refilledAt = now;
  }

  private pass(source: Source, text: string): void {
    if (!text) return;
    this.atLineStart = text.endsWith('\n');
    this.deliver({ type: 'output', source, text });
  }
}

/** The last SKIPPED_TAIL_LINES lines of `text`; when its start was cut, from the first whole line. */
function lastLines(text: string, cut: boolean): string {
  let start = cut ? text.indexOf('\n') + 1 : 0;
  let lines = 0;
  for (let i = text.length - 2; i >= start; i--) {
    if (text.charCodeAt(i) === 10 && ++lines >= SKIPPED_TAIL_LINES) {
      start = i + 1;
      break;
    }
  }
  return text.slice(start);
}
