import type { AttemptVerdict, CrashLocation, LoopEvent, PatchSummary, PytestRun, SignatureState } from '../core/types';

/** The ledger's state of a signature, as the engine's `signature-state` events carry it. */
export type SignatureNodeState = SignatureState['state'];

export interface AttemptRecord {
  attempt: number;
  /** The pytest command this attempt worked from. */
  command: string;
  /** Output of the run the attempt worked from (colour removed). */
  output: string | null;
  patch: PatchSummary | null;
  verdict: AttemptVerdict | null;
  detail: string;
  diff: string | null;
  /** Assisted investigation on this attempt (attempt 3): one per helper, updated when its answer comes. */
  investigations: InvestigationRecord[];
}

export interface InvestigationRecord {
  helper: 'private' | 'public';
  server: string;
  /** What was (or is about to be) sent, exactly as the loop's event carries it. */
  payload: unknown;
  answer: string | null;
  error: string | null;
  /** Sent and waiting: neither an answer nor an error yet. */
  pending: boolean;
}

export interface SignatureRecord {
  signature: string;
  nodeid: string;
  exceptionType: string;
  message: string;
  location: CrashLocation | null;
  /** The ledger's state, from the last `signature-state` event (until then: open, or excluded by the person). */
  state: SignatureNodeState;
  /** The ledger's attempt count and budget, from the same event. */
  ledger: { attempts: number; maxAttempts: number } | null;
  attempts: AttemptRecord[];
}

/**
 * The repair view's model, built only from the loop's events: one record per failure signature with
 * its attempts. States and counts are the engine's (`signature-state`); nothing here decides them.
 * Pure, so it can be checked without an editor.
 */
export class RepairModel {
  private readonly records = new Map<string, SignatureRecord>();
  private lastRun: PytestRun | null = null;
  private activeAttempt: AttemptRecord | null = null;
  private listeners = new Set<() => void>();
  /** Repro commands in the order the loop ran them. */
  readonly commands: string[] = [];
  running = false;

  constructor(
    private maxAttempts = 3,
    private readonly excluded: { has(signature: string): boolean } = new Set<string>(),
  ) {}

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get signatures(): SignatureRecord[] {
    return [...this.records.values()];
  }

  get(signature: string): SignatureRecord | undefined {
    return this.records.get(signature);
  }

  /** A new run starts from nothing: the tree shows that run only. */
  reset(maxAttempts = this.maxAttempts): void {
    this.records.clear();
    this.lastRun = null;
    this.activeAttempt = null;
    this.commands.length = 0;
    this.maxAttempts = maxAttempts;
    this.fire();
  }

  /** "2/3": the ledger's count and budget; before the engine's first word, the attempts seen so far. */
  attemptLabel(record: SignatureRecord): string {
    return record.ledger ? `${record.ledger.attempts}/${record.ledger.maxAttempts}` : `${record.attempts.length}/${this.maxAttempts}`;
  }

  handle(event: LoopEvent): void {
    switch (event.type) {
      case 'checklist':
        this.running = true;
        break;
      case 'command':
        if (event.purpose === 'pytest' && !this.commands.includes(event.command)) this.commands.push(event.command);
        return;
      case 'run-finished':
        this.onRun(event.run);
        break;
      case 'attempt-started': {
        const record = this.ensure(event.signature, event.nodeid);
        const attempt: AttemptRecord = {
          attempt: event.attempt,
          command: event.command,
          output: this.lastRun?.output ?? null,
          patch: null,
          verdict: null,
          detail: '',
          diff: null,
          investigations: [],
        };
        record.attempts = record.attempts.filter((a) => a.attempt !== event.attempt).concat(attempt);
        this.activeAttempt = attempt;
        break;
      }
      case 'investigation': {
        // The loop investigates inside an attempt: the event belongs to the attempt under way.
        const attempt = this.activeAttempt;
        if (!attempt) return;
        const record: InvestigationRecord = {
          helper: event.helper,
          server: event.server,
          payload: event.payload,
          answer: event.answer,
          error: event.error,
          pending: event.answer === null && event.error === null,
        };
        const at = attempt.investigations.findIndex((i) => i.helper === event.helper && i.server === event.server);
        if (at >= 0) attempt.investigations[at] = record;
        else attempt.investigations.push(record);
        break;
      }
      case 'patch-proposed': {
        const attempt = this.find(event.signature, event.attempt);
        if (attempt) attempt.patch = event.patch;
        break;
      }
      case 'attempt-finished': {
        this.ensure(event.signature, event.nodeid);
        const attempt = this.find(event.signature, event.attempt);
        if (attempt) {
          attempt.verdict = event.verdict;
          attempt.detail = event.detail;
          attempt.diff = event.diff ?? attempt.patch?.diff ?? null;
        }
        if (this.activeAttempt === attempt) this.activeAttempt = null;
        break;
      }
      case 'signature-state': {
        const record = this.ensure(event.signature, event.nodeid);
        record.state = event.state;
        record.ledger = { attempts: event.attempts, maxAttempts: event.maxAttempts };
        this.maxAttempts = event.maxAttempts;
        break;
      }
      case 'stopped':
        this.running = false;
        break;
      default:
        return;
    }
    this.fire();
  }

  private onRun(run: PytestRun): void {
    this.lastRun = run;
    // A focused or re-run made for an attempt is the output that attempt worked from.
    if (this.activeAttempt && !this.activeAttempt.patch && (run.label === 'attempt' || run.label === 'rerun')) {
      this.activeAttempt.output = run.output;
      this.activeAttempt.command = run.command;
    }
    for (const failure of run.failures) {
      const record = this.ensure(failure.signature, failure.nodeid);
      record.exceptionType = failure.exceptionType;
      record.message = failure.message;
      record.location = failure.location;
    }
  }

  private ensure(signature: string, nodeid: string): SignatureRecord {
    let record = this.records.get(signature);
    if (!record) {
      record = {
        signature,
        nodeid,
        exceptionType: '',
        message: '',
        location: null,
        state: this.excluded.has(signature) ? 'excluded' : 'open',
        ledger: null,
        attempts: [],
      };
      this.records.set(signature, record);
    }
    return record;
  }

  private find(signature: string, attempt: number): AttemptRecord | undefined {
    return this.records.get(signature)?.attempts.find((a) => a.attempt === attempt);
  }

  private fire(): void {
    for (const l of [...this.listeners]) l();
  }
}
