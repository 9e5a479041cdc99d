import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redactor } from './secrets';

/**
 * The run log: one JSON line per event, command, payload, diff and decision, appended synchronously so
 * a run that dies mid-way still leaves an auditable record up to its last step.
 */
export class RunLog {
  private failed = false;

  /** `redact` blanks secrets in every line before it is written (see secrets.ts). */
  constructor(
    readonly path: string,
    private readonly redact: Redactor = (t) => t,
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(kind: string, data: Record<string, unknown>): void {
    if (this.failed) return;
    try {
      appendFileSync(this.path, this.redact(JSON.stringify({ time: new Date().toISOString(), kind, ...data })) + '\n');
    } catch {
      // A full disk must not stop the loop; the log is a record, not a control path.
      this.failed = true;
    }
  }
}
