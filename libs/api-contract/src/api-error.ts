import type { Issue } from './error-body.js';

/**
 * An error answer of the api as a client holds it (`{error: {code, message, details}}` and its status),
 * or status 0 when no answer came (`unreachable`, `network`, …). One class for every client: the CLI
 * and the web UI.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly Issue[] = [],
  ) {
    super(message);
  }

  /** One line: the message and, when given, where and why. */
  describe(): string {
    const where = this.details.map((d) => `${d.path || '/'}: ${d.message}`).join('; ');
    return where ? `${this.message} (${where})` : this.message;
  }
}

/**
 * The ApiError of an error answer, whatever its shape: the api's error body when it is one, else the
 * text (a proxy's page, at most 500 characters), else `fallback(status)`.
 */
export function apiErrorOf(
  status: number,
  body: unknown,
  fallback: (status: number) => string = (s) => `the api answered HTTP ${s}`,
): ApiError {
  const error = (body as { error?: unknown } | null)?.error;
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; message?: unknown; details?: unknown };
    const details = Array.isArray(e.details) ? e.details.filter(isIssue) : [];
    return new ApiError(
      status,
      typeof e.code === 'string' ? e.code : `http_${status}`,
      typeof e.message === 'string' ? e.message : fallback(status),
      details,
    );
  }
  const text = typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 500) : fallback(status);
  return new ApiError(status, `http_${status}`, text);
}

function isIssue(value: unknown): value is Issue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
