import { ApiError, type ApiErrorDetail } from '../errors.js';
import type { ApiTarget } from './api-target.js';

type FetchLike = typeof fetch;

/** The api's HTTP contract under `/api/v1`, with bearer auth; every non-2xx answer throws an {@link ApiError}. */
export class ApiClient {
  constructor(
    readonly target: ApiTarget,
    private readonly fetchImpl: FetchLike = fetch,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown, contentType = 'application/json'): Promise<T> {
    return this.request<T>('POST', path, body, contentType);
  }

  /** Like `get`, but resolves null on 404 (a run the planner has not processed yet). */
  async getOrNull<T>(path: string): Promise<T | null> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const { status, parsed } = await this.send(method, path, body, contentType);
    if (status < 200 || status >= 300) throw apiErrorOf(status, parsed);
    return parsed as T;
  }

  /** The raw answer: status and parsed body (JSON when it parses, else text), without throwing on status. */
  async send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; parsed: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const url = `${this.target.url}/api/v1${path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { method, headers, body: payload ?? null });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new ApiError(
        0,
        'unreachable',
        `cannot reach the api at ${this.target.url} (${why}); start one with \`tributary dev\`, or set TRIBUTARY_API_URL`,
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
    } else parsed = null;
    return { status: response.status, parsed };
  }
}

/** Builds the ApiError of an error answer, whatever its shape. */
export function apiErrorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: unknown } | null)?.error;
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; message?: unknown; details?: unknown };
    const details = Array.isArray(e.details) ? e.details.filter(isDetail) : [];
    return new ApiError(
      status,
      typeof e.code === 'string' ? e.code : `http_${status}`,
      typeof e.message === 'string' ? e.message : defaultMessage(status),
      details,
    );
  }
  const text =
    typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 500) : defaultMessage(status);
  return new ApiError(status, `http_${status}`, text);
}

function isDetail(value: unknown): value is ApiErrorDetail {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'not authenticated: set TRIBUTARY_API_TOKEN (or run `tributary dev`, which stores one)';
    case 403:
      return 'the token lacks the role this needs';
    case 404:
      return 'not found';
    default:
      return `the api answered HTTP ${status}`;
  }
}

/** Encodes one path segment (task ids hold `/`, `=`, `[`, `]`). */
export const seg = (value: string): string => encodeURIComponent(value);
