/** Statuses after which the same request can succeed later: server errors, rate limiting, request timeout. */
export function isRetryableHttpStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** What an HttpError carries for operators (reported as the attempt error's `details`). */
export interface HttpErrorDetails {
  method: string;
  /** The URL without credentials, query string or fragment (errors outlive the run; viewers read them). */
  url: string;
  /** The URL the failing request went to, when a redirect led there. */
  redirectedTo?: string;
  /** Null when no response came back (connection refused, DNS failure). */
  status: number | null;
  /** The start of the response body (200 characters, the request's header and query values redacted). */
  body?: string;
  /** Why the address policy refused the connection (TRIBUTARY_HTTP_ALLOW lists exceptions). */
  refused?: string;
}

/**
 * An HTTP call failed: a non-2xx response or no response at all. Retryable for
 * 5xx, 429, 408 and network failures; any other status will not change on retry.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly retryable: boolean;
  readonly status: number | null;
  readonly details: HttpErrorDetails;

  constructor(
    message: string,
    details: HttpErrorDetails,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.details = details;
    this.status = details.status;
    this.retryable = options.retryable ?? (details.status === null || isRetryableHttpStatus(details.status));
  }
}
