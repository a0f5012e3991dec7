/** Throw from a handler to end the attempt `skipped` (downstream rules see a skip). */
export class SkipTask extends Error {
  override readonly name = 'SkipTask';
  constructor(reason = 'skipped by its handler') {
    super(reason);
  }
}

/** Throw from a handler to fail without retry: no retry can help (bad input, a permanent refusal). */
export class FatalError extends Error {
  override readonly name = 'FatalError';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The attempt ran past its timeout. It is `ctx.signal.reason` when the timeout
 * fires, and the error an attempt that timed out is reported with.
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  /** A later attempt may be faster (a slow dependency, a busy host). */
  readonly retryable = true;
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(`attempt timed out after ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The attempt was cancelled from outside (run cancelled, host shutting down).
 * It is `ctx.signal.reason` on cancel, and the error a cancelled attempt is reported with.
 */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  /** Whoever cancelled decides what happens next; the attempt itself is not retried. */
  readonly retryable = false;
  constructor(message = 'attempt cancelled', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * True for a SkipTask, including one from another copy of this package
 * (user modules may bundle their own), which `instanceof` would miss.
 */
export function isSkipTask(error: unknown): error is Error {
  return error instanceof SkipTask || (error instanceof Error && error.name === 'SkipTask');
}
