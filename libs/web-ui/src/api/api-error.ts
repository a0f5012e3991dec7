import type { ErrorBody, Issue } from '@tributary/api-contract';

/** An error answer of the api (its `{error: {code, message, details}}` shape), or a network failure (status 0). */
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

  static async of(response: Response): Promise<ApiError> {
    const body = (await response.json().catch(() => null)) as ErrorBody | null;
    if (body?.error?.message)
      return new ApiError(response.status, body.error.code, body.error.message, body.error.details);
    return new ApiError(response.status, 'http_error', `${response.status} ${response.statusText}`);
  }

  /** One line for the user: the message and, when given, where and why. */
  describe(): string {
    const where = this.details.map((d) => `${d.path}: ${d.message}`).join('; ');
    return where ? `${this.message} (${where})` : this.message;
  }
}
