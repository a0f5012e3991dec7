/** One problem with a request: where (a JSON pointer into the body, or `?name` for a query parameter) and why. */
export interface Issue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Every error answer of the api: `{ "error": { code, message, details? }, ...extra }`. */
export interface ErrorBody {
  error: {
    /** Machine-readable, e.g. `invalid_request`, `not_found`, `idempotency_conflict`. */
    code: string;
    message: string;
    details?: readonly Issue[];
  };
  /** Top-level fields next to `error` (e.g. the `runId` of a rejected trigger). */
  [extra: string]: unknown;
}
