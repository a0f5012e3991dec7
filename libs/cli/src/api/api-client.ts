import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { apiErrorOf as contractApiErrorOf } from '@tributary/api-contract';
import { ApiError } from '../errors.js';
import type { ApiTarget } from './api-target.js';

/**
 * Bodies at least this large are sent with `Expect: 100-continue`: an api that refuses them (413 over
 * its body or params limit) answers before a byte of the body is sent, instead of the client writing
 * megabytes into a connection the server closes.
 */
export const EXPECT_CONTINUE_BYTES = 64 * 1024;
/** How long to wait for `100 Continue` before sending the body anyway (a proxy that ignores `Expect`). */
export const CONTINUE_WAIT_MS = 1000;

/** Errors that mean no connection was made: nothing is listening there, or the host is unknown. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * GETs reuse connections (`runs trigger --wait` polls); a GET whose reused connection the api had just
 * closed is sent once more. Other requests get a connection of their own, so none is ever sent twice.
 */
const agents = {
  reused: { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) },
  single: { http: new HttpAgent({ keepAlive: false }), https: new HttpsAgent({ keepAlive: false }) },
};

/** What a request got back: the status and the body (JSON when it parses, else text; null when empty). */
export interface RawAnswer {
  status: number;
  parsed: unknown;
}

/**
 * The api's HTTP contract under `/api/v1`, with bearer auth; every non-2xx answer throws an {@link ApiError}.
 * Requests go through Node's own HTTP client, so that an answer the api gives while the request body is
 * still being sent (a 413) is reported as that answer, not as the broken pipe that follows it.
 */
export class ApiClient {
  constructor(readonly target: ApiTarget) {}

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

  /**
   * The raw answer: status and parsed body, without throwing on status. Throws an {@link ApiError} with
   * status 0 only when no answer came: `unreachable` (no connection) or `connection_lost` (the connection
   * broke before the api answered).
   */
  send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<RawAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    let payload: Buffer | null = null;
    if (body !== undefined) {
      payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
      headers['content-type'] = contentType;
      headers['content-length'] = String(payload.length);
      if (payload.length >= EXPECT_CONTINUE_BYTES) headers.expect = '100-continue';
    }
    let url: URL;
    try {
      url = new URL(`${this.target.url}/api/v1${path}`);
    } catch {
      return Promise.reject(new ApiError(0, 'unreachable', `the api URL ${this.target.url} is not a URL`));
    }
    return exchange(url, method, headers, payload, this.target.url).catch((error: unknown) => {
      if (error instanceof StaleConnection) return exchange(url, method, headers, payload, this.target.url);
      throw error;
    });
  }
}

/** A GET sent on a kept-alive connection the server had closed meanwhile: nothing reached the api. */
class StaleConnection extends Error {}

/** One HTTP exchange; see {@link ApiClient.send}. */
function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  payload: Buffer | null,
  apiUrl: string,
): Promise<RawAnswer> {
  return new Promise<RawAnswer>((resolve, reject) => {
    const https = url.protocol === 'https:';
    let settled = false;
    let answered = false;
    let connected = false;
    let bodySent = payload === null;
    let timer: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const req = (https ? httpsRequest : httpRequest)(url, {
      method,
      headers,
      agent: (method === 'GET' ? agents.reused : agents.single)[https ? 'https' : 'http'],
    });
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once(https ? 'secureConnect' : 'connect', () => (connected = true));
    });
    const sendBody = () => {
      clearTimeout(timer);
      if (bodySent || answered || req.destroyed) return;
      bodySent = true;
      req.end(payload);
    };
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      clearTimeout(timer);
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        // The api answered before the body was (all) sent: the rest is not wanted, and the connection
        // cannot carry another request.
        if (!req.writableFinished) req.destroy();
        settle(() => resolve({ status: res.statusCode ?? 0, parsed: parseAnswer(Buffer.concat(chunks)) }));
      });
      res.on('error', (error) => settle(() => reject(lost(apiUrl, error, 'while its answer was read'))));
      res.on('close', () => {
        if (!res.complete)
          settle(() => reject(lost(apiUrl, new Error('cut off'), 'while its answer was read')));
      });
    });
    req.on('continue', sendBody);
    req.on('error', (error: Error & { code?: string }) => {
      if (answered) return; // the answer is what counts (EPIPE after an early 413)
      settle(() => {
        if (req.reusedSocket && method === 'GET' && error.code === 'ECONNRESET') {
          reject(new StaleConnection(error.message));
        } else if (!connected || (error.code !== undefined && NOT_CONNECTED.has(error.code))) {
          reject(
            new ApiError(
              0,
              'unreachable',
              `cannot reach the api at ${apiUrl} (${error.code ?? error.message}); start one with \`tributary dev\`, or set TRIBUTARY_API_URL`,
            ),
          );
        } else if (payload !== null) {
          reject(lost(apiUrl, error, `while the request body (${payload.length} bytes) was being sent`));
        } else reject(lost(apiUrl, error, 'before it answered'));
      });
    });
    if (payload === null) req.end();
    else if (headers.expect === undefined) sendBody();
    else timer = setTimeout(sendBody, CONTINUE_WAIT_MS);
  });
}

function lost(apiUrl: string, error: Error & { code?: string }, when: string): ApiError {
  return new ApiError(
    0,
    'connection_lost',
    `the connection to the api at ${apiUrl} broke ${when} (${error.code ?? error.message}), and no answer came`,
  );
}

function parseAnswer(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // not JSON: keep the text
  }
}

/** The ApiError of an error answer, whatever its shape (the CLI's words when the answer says nothing). */
export function apiErrorOf(status: number, body: unknown): ApiError {
  return contractApiErrorOf(status, body, defaultMessage);
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
