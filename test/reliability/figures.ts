import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The figures each reliability file publishes (README, "The fault and bad-input suite"): how many cases it
 * tried, how many files it compared byte for byte, and how many cases lost something or let something
 * through. Counted by the tests as they run, never written by hand.
 */
export class Figures {
  cases = 0;
  filesCompared = 0;
  lost = 0;
  letThrough = 0;
  private readonly notes: string[] = [];

  constructor(readonly name: string) {}

  /** One case tried; `bad` when it lost a file or let a forbidden thing through. */
  tried(n = 1): void {
    this.cases += n;
  }

  compared(n: number): void {
    this.filesCompared += n;
  }

  failed(kind: 'lost' | 'let-through', note: string): void {
    if (kind === 'lost') this.lost++;
    else this.letThrough++;
    this.notes.push(note);
  }

  write(): void {
    const dir = join(__dirname, '..', '..', 'test-output', 'reliability');
    mkdirSync(dir, { recursive: true });
    const body = { class: this.name, cases: this.cases, filesCompared: this.filesCompared, lost: this.lost, letThrough: this.letThrough, notes: this.notes };
    writeFileSync(join(dir, `${this.name}.json`), JSON.stringify(body, null, 2) + '\n');
  }
}
