import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The run log: one JSON line per event, command, payload, diff and decision, appended synchronously so
 * a run that dies mid-way still leaves an auditable record up to its last step.
 */
export class RunLog {
  private failed = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(kind: string, data: Record<string, unknown>): void {
    if (this.failed) return;
    try {
      appendFileSync(this.path, JSON.stringify({ time: new Date().toISOString(), kind, ...data }) + '\n');
    } catch {
      // A full disk must not stop the loop; the log is a record, not a control path.
      this.failed = true;
    }
  }
}
