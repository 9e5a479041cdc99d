import type { LoopEvent } from '../core/types';

type OutputEvent = Extract<LoopEvent, { type: 'output' }>;

/** How long output waits for more before it is passed on (VS Code's own terminals gather process data for 5 ms). */
export const OUTPUT_DELAY_MS = 5;
/** Waiting output is passed on at once past this many characters. */
export const OUTPUT_MAX_CHARS = 256 * 1024;

/**
 * Passes a run's events on, with the output of one source gathered into fewer, larger events. A chatty
 * process reaches node in many small reads, and each output event costs the extension host a message to
 * the terminal and one to Test Results; gathered, a flood of output costs a few hundred. Any other event
 * first passes on the output waiting before it, so the order is kept.
 */
export class OutputBatcher {
  private source: OutputEvent['source'] | undefined;
  private parts: string[] = [];
  private chars = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deliver: (event: LoopEvent) => void,
    private readonly delayMs = OUTPUT_DELAY_MS,
    private readonly maxChars = OUTPUT_MAX_CHARS,
  ) {}

  push(event: LoopEvent): void {
    if (event.type !== 'output') {
      this.flush();
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

  /** Passes on the output waiting now, if any. Call it before whatever receives the events ends. */
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
    this.deliver(event);
  }
}
