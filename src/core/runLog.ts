import { appendFileSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { stripAnsi } from './processes';
import { TextTail } from './textTail';
import type { LoopEvent } from './types';
import type { Redactor } from './secrets';

/** Characters of one output block kept in the run log: its head and its tail. */
export const LOG_OUTPUT_HEAD = 16_000;
export const LOG_OUTPUT_TAIL = 16_000;
/** Characters of the latest pytest run kept in `artifacts/pytest-output.txt`: its head and its tail. */
export const FILE_OUTPUT_HEAD = 4_000_000;
export const FILE_OUTPUT_TAIL = 1_000_000;

/**
 * A bounded head-and-tail view of a stream of text: the first `headMax` characters, the last `tailMax`,
 * and a count of what lies between. Memory stays within head + 2 × tail whatever passes through.
 */
export class HeadTail {
  /** The head's text; not kept when `onHead` takes it (a file), only its length. */
  private head = '';
  private headLength = 0;
  private readonly tail: TextTail;
  private total = 0;

  constructor(
    private readonly headMax: number,
    private readonly tailMax: number,
    /** Called with text that enters the head, for streaming it to a file. */
    private readonly onHead?: (text: string) => void,
  ) {
    this.tail = new TextTail(tailMax);
  }

  push(text: string): void {
    this.total += text.length;
    if (this.headLength < this.headMax) {
      const room = this.headMax - this.headLength;
      const into = text.slice(0, room);
      this.headLength += into.length;
      if (this.onHead) this.onHead(into);
      else this.head += into;
      text = text.slice(room);
      if (!text) return;
    }
    // Kept as chunks: joining and cutting a long tail as it grows copied megabytes per megabyte passed.
    this.tail.push(text);
  }

  get length(): number {
    return this.total;
  }

  /** Characters neither in the head nor in the kept tail. */
  get omitted(): number {
    return Math.max(0, this.total - this.headLength - Math.min(this.total - this.headLength, this.tailMax));
  }

  /** The part after the head: everything when nothing was left out, else the tail behind a marker line. */
  rest(): string {
    const tail = this.tail.text();
    if (this.omitted === 0) return tail;
    return `\n[… ${this.omitted.toLocaleString('en-US')} characters of output left out here; ${this.total.toLocaleString('en-US')} in all …]\n${tail}`;
  }

  /** Head and rest; the head is empty when `onHead` took it. */
  text(): string {
    return this.head + this.rest();
  }
}

/** Strips colour codes from a stream, holding back an escape sequence cut between two chunks. */
class PlainStream {
  private carry = '';

  push(chunk: string): string {
    let text = this.carry + chunk;
    this.carry = '';
    // eslint-disable-next-line no-control-regex -- an escape sequence is what is looked for
    const cut = /\u001b(\[[0-9;?]*[ -/]*)?$/.exec(text);
    if (cut) {
      this.carry = cut[0];
      text = text.slice(0, cut.index);
    }
    return stripAnsi(text);
  }

  flush(): string {
    const rest = this.carry;
    this.carry = '';
    return rest;
  }
}

interface PendingOutput {
  source: string;
  plain: PlainStream;
  log: HeadTail;
  /** The latest pytest run's plain file: its head is written as it grows, its tail at the end. */
  file: { fd: number; view: HeadTail } | null;
}

/**
 * The run log: one JSON line per event, command, payload, diff and decision, appended synchronously so
 * a run that dies mid-way still leaves an auditable record up to its last step. It holds one run
 * (the loop moves the previous one aside first).
 *
 * Output is not one line per chunk: the chunks of a process are gathered and written once, as one
 * `output` record, when the next record comes (capped: head and tail with a line saying how much was left
 * out). The latest pytest run's whole output goes to a plain file beside the log, capped too.
 */
export class RunLog {
  private failed = false;
  private pending: PendingOutput | null = null;

  /** `redact` blanks secrets in every line before it is written (see secrets.ts), in the output file too. */
  constructor(
    readonly path: string,
    private readonly redact: Redactor = (t) => t,
    /** Where the latest pytest run's output goes (e.g. `artifacts/pytest-output.txt`); none when omitted. */
    readonly outputFile?: string,
  ) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch {
      // The loop checks the artifacts folder itself and says what is wrong; the log just stays silent.
      this.failed = true;
    }
  }

  write(kind: string, data: Record<string, unknown>): void {
    this.flushOutput();
    this.append(kind, data);
  }

  /** Records a loop event; output chunks are batched, a finished run's output is not repeated. */
  event(event: LoopEvent): void {
    if (event.type === 'output') {
      this.output(event.source, event.text);
      return;
    }
    if (event.type === 'command' && event.purpose === 'pytest') {
      this.write('event', { event });
      this.startOutput('pytest', true);
      return;
    }
    if (event.type === 'run-finished') {
      // The output was logged once, as it came; the event keeps only its size.
      const { output, ...run } = event.run;
      this.write('event', { event: { type: event.type, run: { ...run, outputChars: output.length } } });
      return;
    }
    this.write('event', { event });
  }

  private output(source: string, text: string): void {
    if (this.pending && this.pending.source !== source) this.flushOutput();
    if (!this.pending) this.startOutput(source, false);
    this.push(this.pending!, this.pending!.plain.push(text));
  }

  private push(pending: PendingOutput, text: string): void {
    if (!text) return;
    pending.log.push(text);
    pending.file?.view.push(text);
  }

  private startOutput(source: string, toFile: boolean): void {
    this.flushOutput();
    let file: PendingOutput['file'] = null;
    if (toFile && this.outputFile) {
      try {
        mkdirSync(dirname(this.outputFile), { recursive: true });
        const fd = openSync(this.outputFile, 'w');
        file = { fd, view: new HeadTail(FILE_OUTPUT_HEAD, FILE_OUTPUT_TAIL, (t) => writeQuietly(fd, this.redact(t))) };
      } catch {
        file = null;
      }
    }
    this.pending = { source, plain: new PlainStream(), log: new HeadTail(LOG_OUTPUT_HEAD, LOG_OUTPUT_TAIL), file };
  }

  /** Writes the gathered output as one record (and finishes the output file). */
  flushOutput(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.push(pending, pending.plain.flush());
    if (pending.file) {
      writeQuietly(pending.file.fd, this.redact(pending.file.view.rest()));
      try {
        closeSync(pending.file.fd);
      } catch {
        /* already closed */
      }
    }
    if (pending.log.length === 0) return;
    this.append('output', {
      source: pending.source,
      chars: pending.log.length,
      omitted: pending.log.omitted,
      text: pending.log.text(),
    });
  }

  /** Ends the log: pending output is written. */
  close(): void {
    this.flushOutput();
  }

  private append(kind: string, data: Record<string, unknown>): void {
    if (this.failed) return;
    try {
      appendFileSync(this.path, this.redact(JSON.stringify({ time: new Date().toISOString(), kind, ...data })) + '\n');
    } catch {
      // A full disk must not stop the loop; the log is a record, not a control path.
      this.failed = true;
    }
  }
}

function writeQuietly(fd: number, text: string): void {
  if (!text) return;
  try {
    writeSync(fd, text);
  } catch {
    /* the file is a convenience copy; the log has the record */
  }
}
