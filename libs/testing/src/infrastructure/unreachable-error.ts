const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
]);

/**
 * True when a connect error means "nothing answers at that address" (refused,
 * unknown host, timeout), as opposed to a server that answered and refused us
 * (bad password, missing database), which must not trigger a container fallback.
 */
export function isUnreachableError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    // pg reports its own connect timeout without a code; nats.js wraps the socket error.
    if (typeof message === 'string' && /timeout expired|connection refused/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
