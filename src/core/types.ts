// Shared shapes of the engine. Nothing here may import `vscode`: the core runs headless.

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A file:line inside the workspace, path relative to pytest's rootdir with `/` separators. */
export interface CrashLocation {
  file: string;
  line: number;
}

export type TestOutcome = 'passed' | 'failed' | 'error' | 'skipped' | 'xfailed' | 'xpassed';

/** One failing thing pytest reported: a failed test, an error in a fixture, or a collection error. */
export interface Failure {
  nodeid: string;
  kind: 'failed' | 'error' | 'collection-error';
  /** Exception type as pytest names it (`AssertionError`, `NameError`, `fixture 'x' not found` → `FixtureLookupError`). */
  exceptionType: string;
  /** The deepest traceback frame (pytest's `reprcrash`), relative to the rootdir; null when pytest gives none. */
  location: CrashLocation | null;
  /** First line of the error message, without the `ExcType: ` prefix. */
  message: string;
  /** Canonical 4-tuple string: see signature.ts. */
  signature: string;
  /** The formatted traceback of this run (changes with --tb; never part of the signature). */
  longrepr?: string;
}

export interface TestCaseResult {
  nodeid: string;
  outcome: TestOutcome;
  durationMs: number;
  /** pytest's crash message (`<failure message=...>`), when failed or errored. */
  message?: string;
  /** Formatted traceback text, when failed or errored. */
  text?: string;
  /** Where the test function is defined (for editors), relative to the rootdir. */
  location?: CrashLocation;
  /** For `assert a == b` comparisons, when pytest exposes them. */
  expected?: string;
  actual?: string;
}

export type PytestExitMeaning =
  | 'passed'
  | 'failed'
  | 'interrupted'
  | 'internal-error'
  | 'usage-error'
  | 'no-tests'
  | 'killed';

export interface RunCounts {
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  xfailed: number;
  xpassed: number;
  deselected: number;
  total: number;
}

export type RunLabel = 'baseline' | 'attempt' | 'verification' | 'final' | 'rerun';

export interface PytestRun {
  label: RunLabel;
  /** The plain command a person would type; this is what goes into `repro_commands`. */
  command: string;
  /** The argv actually run (with the product's plugin and report flags). */
  argv: string[];
  cwd: string;
  exitCode: number;
  exitMeaning: PytestExitMeaning;
  tests: TestCaseResult[];
  /** Failed tests, errors and collection errors, each with its signature. */
  failures: Failure[];
  counts: RunCounts;
  /** Output without colour codes, capped (see MAX_CAPTURED_OUTPUT). */
  output: string;
  junitPath: string;
  /** Node ids that pytest collected (the selection), when known. */
  collected: string[];
  /** Files and folders (node ids without `::`) that collected without error, when known. */
  collectedFiles?: string[];
  durationMs: number;
}

export const MAX_CAPTURED_OUTPUT = 200_000;

/** The fixed limits of the spec. */
export const LIMITS = {
  maxFiles: 5,
  maxChangedLines: 200,
  maxAttemptsPerSignature: 3,
  maxLoops: 10,
  timeBudgetSeconds: 600,
  contextLines: 40,
} as const;

export type StopReason = 'retry budget' | 'regression' | 'patch size' | 'time budget';

// ---------------------------------------------------------------------------------------------
// Patches

export interface PatchFileChange {
  oldPath: string | null; // null when created
  newPath: string | null; // null when deleted
  status: 'modified' | 'created' | 'deleted' | 'renamed';
  added: number;
  removed: number;
}

export interface PatchSummary {
  diff: string;
  files: PatchFileChange[];
  fileCount: number;
  changedLines: number;
}

// ---------------------------------------------------------------------------------------------
// Freshness

export type FreshnessState = 'fresh' | 'stale' | 'down' | 'not-configured';

export interface MetaInfo {
  git_sha?: string;
  started_at?: string;
  t_ms?: number;
  [key: string]: unknown;
}

export interface FreshnessStatus {
  state: FreshnessState;
  /** Why stale/down, readable: "git_sha abc123 ≠ HEAD def456". */
  reasons: string[];
  meta: MetaInfo | null;
  /** Raw body of GET /__meta, or null when it did not answer. */
  rawMeta: string | null;
  headSha: string | null;
  url: string;
  checkedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Producers

export interface PatchRequest {
  schema: 'smokes-fixer/patch-request@1';
  workspace: string;
  attempt: number;
  target: {
    nodeid: string;
    exceptionType: string;
    location: CrashLocation | null;
    message: string;
    signature: string;
  };
  pytest: {
    command: string;
    exitCode: number;
    /** Output of this attempt's run, colour removed, capped to the last MAX_REQUEST_OUTPUT chars. */
    output: string;
  };
  /** Up to 40 lines of code around the crash location, numbered from startLine. */
  codeContext: { file: string; startLine: number; text: string } | null;
  /** Whole first-party files the failure runs through or the failing test imports (at most 5, 40 kB). */
  relatedSources: Array<{ file: string; text: string }>;
  limits: { maxFiles: number; maxChangedLines: number };
  allowTestEdits: boolean;
  previousAttempts: Array<{ attempt: number; verdict: string; detail: string; diff: string | null }>;
  /** Answers from assisted investigation (attempt 3), when it ran. */
  investigation: { private: string | null; public: string | null } | null;
  instructions: string;
}

export const MAX_REQUEST_OUTPUT = 20_000;

export type ProducerResult =
  | { kind: 'answer'; text: string }
  /** Nothing for this attempt: the attempt is spent. */
  | { kind: 'none'; reason: string }
  /** The producer has nothing left to offer at all: the loop stops with `retry budget`. */
  | { kind: 'exhausted'; reason: string };

export interface ProducerContext {
  signal: AbortSignal;
  log: Logger;
  tracker: import('./processes').ProcessTracker;
  /** The workspace's files, through the engine's one working-tree interface (absent outside a loop). */
  tree?: import('./workingTree').WorkingTree;
  /** Streams text the user should see while the producer works (e.g. a command's stderr). */
  onOutput?: (text: string) => void;
}

export interface PatchProducer {
  readonly id: string;
  /** Label for logs and the UI ("command: ./propose.sh"). */
  readonly label: string;
  propose(request: PatchRequest, ctx: ProducerContext): Promise<ProducerResult>;
}

// ---------------------------------------------------------------------------------------------
// Assisted investigation (loop spec step 7)

export interface InvestigationContext {
  failure: Failure;
  workspace: string;
  errorText: string;
  codeContext: { file: string; startLine: number; text: string } | null;
  pythonVersion: string | null;
  signal: AbortSignal;
  log: Logger;
  emit: (event: LoopEvent) => void;
}

export interface Investigator {
  investigate(ctx: InvestigationContext): Promise<{ private: string | null; public: string | null }>;
}

// ---------------------------------------------------------------------------------------------
// Events: the loop's only way to talk to its faces (CLI, extension, run log).

export type Decision = 'proceed' | 'rollback' | 'escalate' | 'done';

export type AttemptVerdict =
  | 'kept'
  | 'reverted'
  | 'regression'
  | 'refused'
  | 'not-applied'
  | 'no-patch'
  | 'rejected-by-user'
  | 'too-large';

export type LoopEvent =
  | { type: 'checklist'; items: string[] }
  | { type: 'command'; purpose: 'pytest' | 'freshness' | 'producer' | 'git' | 'pip' | 'rollback'; command: string; cwd: string }
  | { type: 'output'; source: 'pytest' | 'freshness' | 'producer'; text: string }
  | { type: 'run-finished'; run: PytestRun }
  | { type: 'validation'; action: string; lines: string[]; decision: Decision }
  | { type: 'attempt-started'; signature: string; nodeid: string; attempt: number; command: string }
  | { type: 'patch-proposed'; signature: string; attempt: number; patch: PatchSummary }
  | { type: 'patch-applied'; signature: string; attempt: number; files: string[] }
  | { type: 'patch-reverted'; signature: string; attempt: number; files: string[] }
  | { type: 'attempt-finished'; signature: string; nodeid: string; attempt: number; verdict: AttemptVerdict; detail: string; diff: string | null }
  /** The ledger's decision about a signature (after observing a run, and after each attempt): faces display it, never recompute it. */
  | { type: 'signature-state'; signature: string; nodeid: string; attempts: number; maxAttempts: number; state: SignatureState['state'] }
  | { type: 'freshness'; status: FreshnessStatus }
  /** Files the loop wrote, put back; `conflicts`: files someone else changed meanwhile, kept, with the loop's intended content saved at `copy`. */
  | { type: 'rollback'; reason: string; files: string[]; conflicts: Array<{ path: string; copy: string }> }
  | { type: 'investigation'; helper: 'private' | 'public'; server: string; payload: unknown; answer: string | null; error: string | null }
  | { type: 'artifacts'; paths: string[] }
  | { type: 'stopped'; outcome: LoopOutcome };

export interface SignatureState {
  signature: string;
  nodeid: string;
  failure: Failure;
  attempts: number;
  state: 'open' | 'fixed' | 'exhausted' | 'excluded';
}

export type LoopOutcome =
  | { kind: 'success'; loops: number; fixed: SignatureState[]; appliedPatches: string[]; summary: SuccessSummary }
  | { kind: 'escalated'; reason: StopReason; detail: string; loops: number; bundle: import('./bundle').EscalationBundle; bundlePath: string; conflicts: Array<{ path: string; copy: string }> }
  | { kind: 'cancelled'; loops: number; detail: string; bundle: import('./bundle').EscalationBundle | null; conflicts: Array<{ path: string; copy: string }> };

export interface SuccessSummary {
  status: 'success';
  loops: number;
  fixed: Array<{ nodeid: string; signature: string; attempts: number }>;
  repro_commands: string[];
  applied_patches: string[];
  artifacts: string[];
}
