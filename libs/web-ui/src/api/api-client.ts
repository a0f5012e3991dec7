import { ApiError, apiErrorOfResponse } from './api-error';

/** Where the api answers: the app is served by the api itself, so it is the same origin. */
export const API_BASE = '/api/v1';

export type QueryValue = string | number | boolean | undefined | null;

/** `path` with its query, leaving out absent values. */
export function apiPath(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return `${API_BASE}${path}${text ? `?${text}` : ''}`;
}

/**
 * The public HTTP API with one bearer token: the app uses nothing else (no private endpoints), so what
 * it shows and does is what the token's role may see and do. `onUnauthorized` runs on a 401 (the token
 * was revoked or expired: back to the login screen).
 */
export class ApiClient {
  constructor(
    readonly token: string | null,
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  get<T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', apiPath(path, query), undefined, signal);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', apiPath(path), body);
  }

  headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  private request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.answer<T>(
      fetch(url, {
        method,
        headers: { ...this.headers(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : null,
        signal: signal ?? null,
      }),
    );
  }

  /** The body of a request already sent (by this client or, with its token, by the early entry). */
  async answer<T>(pending: Promise<Response>): Promise<T> {
    let response: Response;
    try {
      response = await pending;
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, 'network', `the api did not answer (${(error as Error).message})`);
    }
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) throw await apiErrorOfResponse(response);
    return (await response.json()) as T;
  }
}
