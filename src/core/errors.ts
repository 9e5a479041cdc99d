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
  | 'time-budget';

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
