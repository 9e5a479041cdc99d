/**
 * Errors the engine throws on purpose. Each says what went wrong and what to do next, so the CLI can
 * print it as is and the extension can show it with an action.
 */
export type ErrorCode =
  | 'config'
  | 'pytest-missing'
  | 'pytest-usage'
  | 'pytest-internal'
  | 'pytest-no-tests'
  | 'pytest-killed'
  | 'junit-unreadable'
  | 'patch-invalid'
  | 'patch-refused'
  | 'patch-does-not-apply'
  | 'snapshot'
  | 'git'
  | 'producer'
  /** The producer cannot start (program missing, no key, no model): a configuration error, no attempt spent. */
  | 'producer-unavailable'
  /** Another loop holds the workspace lock. */
  | 'locked'
  /** The Python environment lacks a third-party module the tests import. */
  | 'environment'
  | 'freshness'
  | 'cancelled'
  | 'time-budget'
  /** Another live loop holds the workspace lock (PRODUCT.md 23). */
   
  /** The patch producer cannot start: not found, not executable, no key, bad URL (PRODUCT.md 25). */
   
  /** The interpreter lacks a third-party module the tests import (PRODUCT.md 27). */
   
  /** An artifact cannot be written: a full disk, a read-only folder, `artifacts` that is a file. */
  | 'artifacts';

export class SmokesError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** What the user can do about it, one sentence. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SmokesError';
  }

  /** Message and hint as one readable text. */
  get readable(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isAbortError(error: unknown): boolean {
  return (
    (error instanceof SmokesError && (error.code === 'cancelled' || error.code === 'time-budget')) ||
    (error instanceof Error && (error.name === 'AbortError' || (error as { isCanceled?: boolean }).isCanceled === true))
  );
}

export function describeError(error: unknown): string {
  if (error instanceof SmokesError) return error.readable;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Errors that are the set-up's, not the code's: the CLI exits 2 on them, the loop spends no attempt. */
export const CONFIGURATION_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'config',
  'pytest-missing',
  'pytest-usage',
  'pytest-no-tests',
  'locked',
  'producer-unavailable',
  'environment',
  'artifacts',
]);

export function isConfigurationError(error: unknown): error is SmokesError {
  return error instanceof SmokesError && CONFIGURATION_ERRORS.has(error.code);
}
