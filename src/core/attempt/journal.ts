import type { LoopWrite } from '../workingTree';

/**
 * The loop's own writes (PRODUCT.md 26): the kept patches' and the one under verification. Every change is
 * handed to `persist` (the loop state on disk) before the files are written, so `restore` after a crash
 * knows exactly which files were the loop's.
 */
export class WriteJournal {
  private kept: LoopWrite[] = [];
  private pendingWrites: LoopWrite[] | null = null;

  constructor(private readonly persist: (writes: LoopWrite[]) => Promise<void>) {}

  /** A patch is about to be written. */
  async begin(writes: LoopWrite[]): Promise<void> {
    this.pendingWrites = writes;
    await this.persist(this.all());
  }

  get pending(): LoopWrite[] | null {
    return this.pendingWrites;
  }

  /** The patch under verification was kept. */
  keep(): void {
    if (this.pendingWrites) this.kept.push(...this.pendingWrites);
    this.pendingWrites = null;
  }

  /** The patch under verification was taken back (or never written). */
  async dropPending(): Promise<void> {
    this.pendingWrites = null;
    await this.persist(this.all());
  }

  /** Everything was taken back. */
  async clear(): Promise<void> {
    this.kept = [];
    this.pendingWrites = null;
    await this.persist([]);
  }

  all(): LoopWrite[] {
    return [...this.kept, ...(this.pendingWrites ?? [])];
  }
}
