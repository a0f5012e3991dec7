/**
 * SQLSTATEs after which running the same transaction again can succeed:
 * serialization failure, deadlock, lock timeout, statement timeout, shutdown /
 * recovery of the server, too many connections, and all connection exceptions (08…).
 */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03', '53300']);
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
// pg reports a dropped socket and a pool checkout timeout without a code.
const RETRYABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** Failure of an event-store operation. */
export class EventStoreError extends Error {
  override readonly name = 'EventStoreError';
  /** True when running the whole operation again can help (deadlock, serialization failure, lost connection). */
  readonly retryable: boolean;
  /** Postgres SQLSTATE or Node error code of the cause, or an event-store code such as `invalid_event`. */
  readonly code: string | undefined;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean; code?: string } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.code = options.code;
  }

  /** Wraps any error as an EventStoreError (returned as is when it already is one). */
  static from(error: unknown, context: string): EventStoreError {
    if (error instanceof EventStoreError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const code = errorCode(error);
    return new EventStoreError(`${context}: ${message}`, {
      cause: error,
      retryable: isRetryableError(error),
      code,
    });
  }
}

/**
 * Whether an error from pg/kysely is worth a retry of the whole transaction.
 * Appends are idempotent by event id, so a retry after an ambiguous commit
 * (connection lost during COMMIT) is safe too.
 */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof EventStoreError) return error.retryable;
  const code = errorCode(error);
  if (code !== undefined) {
    if (RETRYABLE_SQLSTATES.has(code) || code.startsWith('08') || RETRYABLE_NETWORK_CODES.has(code))
      return true;
  }
  return error instanceof Error && RETRYABLE_MESSAGES.test(error.message);
}

/**
 * True for errors raised by Postgres or the connection to it (as opposed to a
 * caller's own exception thrown from a projector, which is passed through untouched).
 */
export function isDatabaseError(error: unknown): boolean {
  if (error instanceof EventStoreError) return true;
  const code = errorCode(error);
  if (code !== undefined && (/^[0-9A-Z]{5}$/.test(code) || RETRYABLE_NETWORK_CODES.has(code))) return true;
  return error instanceof Error && RETRYABLE_MESSAGES.test(error.message);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
}
