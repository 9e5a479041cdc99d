import type { StopReason } from '../types';
import type { Conflict } from '../workingTree';

/** Thrown inside the loop to end it with one of the spec's stop reasons (caught by the loop, never shown as an error). */
export class Stop extends Error {
  constructor(
    readonly reason: StopReason,
    readonly detail: string,
    /** Files both the loop and someone else changed, kept as they are (PRODUCT.md 26). */
    readonly conflicts: Conflict[] = [],
  ) {
    super(detail);
    this.name = 'Stop';
  }
}
