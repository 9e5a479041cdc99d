import type { Failure, SignatureState } from './types';

/**
 * Counts attempts per failure signature and loops for the whole run (spec step 3 and the stop
 * conditions). Pure bookkeeping: the loop decides what to do with the answers.
 */
export class AttemptLedger {
  private readonly states = new Map<string, SignatureState>();
  private loopCount = 0;

  constructor(
    readonly maxAttempts: number,
    readonly maxLoops: number,
    private readonly excluded: ReadonlySet<string> = new Set(),
  ) {}

  get loops(): number {
    return this.loopCount;
  }

  get loopLimitReached(): boolean {
    return this.loopCount >= this.maxLoops;
  }

  /** Registers every failure seen, so signatures appear in the ledger before their first attempt. */
  observe(failures: readonly Failure[]): void {
    for (const failure of failures) {
      const known = this.states.get(failure.signature);
      if (known) {
        known.failure = failure;
        if (known.state === 'fixed') known.state = 'open'; // it came back
      } else {
        this.states.set(failure.signature, {
          signature: failure.signature,
          nodeid: failure.nodeid,
          failure,
          attempts: 0,
          state: this.excluded.has(failure.signature) ? 'excluded' : 'open',
        });
      }
    }
  }

  /** Marks as fixed every open signature that no longer fails. */
  settle(current: readonly Failure[]): void {
    const failing = new Set(current.map((f) => f.signature));
    for (const state of this.states.values()) {
      if (!failing.has(state.signature) && state.state === 'open') state.state = 'fixed';
    }
  }

  /** The next signature to work on: the first failure, in pytest's order, that is open. */
  nextTarget(current: readonly Failure[]): SignatureState | null {
    for (const failure of current) {
      const state = this.states.get(failure.signature);
      if (state && state.state === 'open') return state;
    }
    return null;
  }

  /** Starts an attempt on a signature; returns its number (1-based). Counts one loop. */
  begin(signature: string): number {
    const state = this.states.get(signature);
    if (!state) throw new Error(`unknown signature ${signature}`);
    this.loopCount += 1;
    state.attempts += 1;
    return state.attempts;
  }

  /** After an attempt that did not fix its signature: exhausted once it has used every attempt. */
  markUnfixed(signature: string): boolean {
    const state = this.states.get(signature);
    if (!state) return false;
    if (state.attempts >= this.maxAttempts) state.state = 'exhausted';
    return state.state === 'exhausted';
  }

  get(signature: string): SignatureState | undefined {
    return this.states.get(signature);
  }

  attemptsFor(signature: string): number {
    return this.states.get(signature)?.attempts ?? 0;
  }

  all(): SignatureState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }
}
