import type { LoopEvent } from '../core/types';
import { stripAnsi } from '../core/processes';

/** Output waiting to be written beyond which the test run's output is read no faster than it is written. */
const BUSY_BYTES = 1 << 20;

/**
 * Renders engine events for a terminal: the checklist, live pytest output and one or two validation
 * lines after each action. Colour only when the stream is a terminal.
 */
export class EventPrinter {
  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly colour = Boolean(out.isTTY) && !process.env.NO_COLOR,
  ) {}

  /**
   * A promise while more than `BUSY_BYTES` wait to be written: writes to a pipe are queued in memory,
   * and a test run printing faster than the reader takes it would otherwise grow the queue without end.
   */
  busy(): Promise<void> | null {
    const out = this.out as NodeJS.WritableStream & { writableLength?: number };
    if ((out.writableLength ?? 0) <= BUSY_BYTES) return null;
    return new Promise((resolve) => {
      // Settles on drain, or when the stream fails or closes (nothing more will drain).
      const done = () => {
        out.off('drain', done);
        out.off('error', done);
        out.off('close', done);
        resolve();
      };
      out.once('drain', done);
      out.once('error', done);
      out.once('close', done);
    });
  }

  private paint(code: string, text: string): string {
    return this.colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  private line(text = ''): void {
    this.out.write(text + '\n');
  }

  handle(event: LoopEvent): void {
    switch (event.type) {
      case 'checklist':
        this.line(this.paint('1', 'Smokes Fixer — plan'));
        for (const item of event.items) this.line(`  • ${item}`);
        this.line();
        break;
      case 'command':
        this.line(this.paint('36', `$ ${event.command}`));
        break;
      case 'output':
        this.out.write(this.colour ? event.text : stripAnsi(event.text));
        break;
      case 'validation': {
        const mark = event.decision === 'escalate' || event.decision === 'rollback' ? this.paint('33', '▲') : this.paint('32', '✓');
        const [first, ...rest] = event.lines;
        this.line(`${mark} ${this.paint('1', event.action)}: ${first ?? ''}`);
        for (const more of rest) this.line(`  ${more}`);
        this.line(`  → ${event.decision}`);
        break;
      }
      case 'attempt-started':
        this.line();
        this.line(this.paint('1', `Attempt ${event.attempt} on ${event.nodeid}`));
        this.line(`  signature: ${event.signature}`);
        break;
      case 'patch-proposed':
        this.line(`  patch: ${event.patch.fileCount} file(s), ${event.patch.changedLines} changed line(s)`);
        for (const line of event.patch.diff.split('\n')) {
          if (line.startsWith('+') && !line.startsWith('+++')) this.line(this.paint('32', `  ${line}`));
          else if (line.startsWith('-') && !line.startsWith('---')) this.line(this.paint('31', `  ${line}`));
          else if (line.length > 0) this.line(this.paint('2', `  ${line}`));
        }
        break;
      case 'attempt-finished':
        this.line(`  verdict: ${event.verdict} — ${event.detail}`);
        break;
      case 'freshness':
        if (event.status.state === 'not-configured') this.line(this.paint('2', 'exec-rpc freshness: not configured (plain pytest project).'));
        else this.line(`exec-rpc: ${event.status.state}${event.status.reasons.length ? ` (${event.status.reasons.join('; ')})` : ''}`);
        break;
      case 'investigation':
        if (event.error) this.line(`  assisted investigation (${event.helper}, ${event.server}): failed: ${event.error}`);
        else if (event.answer === null) {
          this.line(`  assisted investigation (${event.helper}, ${event.server}): payload to send:`);
          const text = (event.payload as { text?: unknown } | null)?.text;
          for (const line of String(typeof text === 'string' ? text : JSON.stringify(event.payload, null, 2)).split('\n')) this.line(`    ${line}`);
        }
        else this.line(`  assisted investigation (${event.helper}, ${event.server}): answered`);
        break;
      case 'rollback':
        this.line(this.paint('33', `Rollback: ${event.reason} (${event.files.length} file(s))`));
        break;
      case 'artifacts':
        this.line(`Artifacts: ${event.paths.join(', ')}`);
        break;
      case 'stopped': {
        const o = event.outcome;
        this.line();
        if (o.kind === 'success') this.line(this.paint('32;1', `All selected tests pass (${o.loops} loop(s), ${o.appliedPatches.length} kept patch(es)).`));
        else if (o.kind === 'escalated') this.line(this.paint('33;1', `Escalated: ${o.reason} — ${o.detail} Bundle: ${o.bundlePath}`));
        else this.line(this.paint('33;1', `Cancelled after ${o.loops} loop(s).`));
        break;
      }
      default:
        break;
    }
  }
}
