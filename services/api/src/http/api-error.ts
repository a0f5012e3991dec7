import type { ErrorBody, Issue } from '@tributary/api-contract';

export type { Issue };

/**
 * An error the api answers with `{ "error": { code, message, details? }, ...extra }` and `status`.
 * Everything a client can get wrong ends here, never as a 500.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: readonly Issue[],
    /** Top-level fields next to `error` (e.g. the `runId` of a rejected trigger). */
    readonly extra?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
      ...this.extra,
    };
  }
}

/** 400 with every issue listed, the first ones spelled out in the message. */
export function invalidRequest(what: string, issues: readonly Issue[]): ApiError {
  const shown = issues
    .slice(0, 3)
    .map((i) => `${i.path || '(body)'}: ${i.message}`)
    .join('; ');
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return new ApiError(400, 'invalid_request', `${what} is invalid: ${shown}${more}`, issues);
}

export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message);
