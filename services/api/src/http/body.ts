import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { jsonProblem, MAX_JSON_DEPTH, textProblem } from '@tributary/domain';
import { describeBytes } from '@tributary/runtime';
import { ApiError } from './api-error.js';
import type { ApiRequest, ApiResponse } from './http-types.js';

/** Largest request body accepted (a pipeline spec, a trigger payload), unless the params limit needs more. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Room for the rest of a trigger body (idempotency key, version, JSON punctuation) next to its params. */
export const BODY_HEADROOM_BYTES = 64 * 1024;

/**
 * The body limit that goes with a params limit: 4 MiB, or the params limit and some headroom when
 * `TRIBUTARY_MAX_PARAMS_BYTES` is larger (a NATS server with a large max_payload), so that params within
 * their limit never meet a body limit first.
 */
export function bodyLimitFor(maxParamsBytes: number): number {
  return Math.max(MAX_BODY_BYTES, maxParamsBytes + BODY_HEADROOM_BYTES);
}

/** How long an authenticated client may take to send its body, by default. */
export const BODY_TIMEOUT_MS = 30_000;

/**
 * Reads the whole body into `req.rawBody` (the api parses it per route, so every parse error gets the
 * same precise error shape). Called by {@link BodyInterceptor}, that is after authentication and the
 * route's role check: nobody makes the api read a body they may not send. Rejects with a 413 for a
 * body over `maxBytes` (the rest is drained, see {@link MAX_DRAINED_BYTES}) and a 408 for a body slower
 * than `timeoutMs`.
 */
export function receiveBody(
  req: ApiRequest,
  res: ApiResponse,
  maxBytes: number = MAX_BODY_BYTES,
  timeoutMs: number = BODY_TIMEOUT_MS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > maxBytes) {
      reject(tooLarge(req, res, declared, maxBytes, declared <= MAX_DRAINED_BYTES));
      return;
    }
    if (
      req.method === 'GET' ||
      req.method === 'HEAD' ||
      (declared === 0 && req.headers['transfer-encoding'] === undefined)
    ) {
      req.rawBody = Buffer.alloc(0);
      resolve();
      return;
    }
    if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      done = true;
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      if (done) return;
      finish();
      res.setHeader('Connection', 'close');
      res.on('finish', () => req.destroy());
      reject(
        new ApiError(
          408,
          'request_timeout',
          `the request body was not received within ${timeoutMs / 1000}s (${size} bytes came)`,
        ),
      );
    }, timeoutMs);
    timer.unref();
    req.once('close', () => clearTimeout(timer));
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        finish();
        reject(tooLarge(req, res, size, maxBytes, true));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      finish();
      req.rawBody = Buffer.concat(chunks);
      resolve();
    });
    req.on('error', (error) => {
      if (done) return;
      finish();
      reject(error);
    });
    req.resume();
  });
}

/**
 * A client still sending a body the api refused reads the 413 only once its upload is done (an HTTP
 * client that gets its connection closed mid-upload reports EPIPE, not the answer): the rest is read
 * and dropped, up to this many bytes, after which the connection is cut.
 */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

function drain(req: ApiRequest): void {
  let drained = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAINED_BYTES) req.destroy();
  });
  req.resume();
}

function tooLarge(req: ApiRequest, res: ApiResponse, size: number, maxBytes: number, keepAlive: boolean): ApiError {
  if (!keepAlive) res.setHeader('Connection', 'close');
  req.drainingBody = true;
  drain(req);
  return new ApiError(
    413,
    'payload_too_large',
    `request body is ${size} bytes or more; at most ${describeBytes(maxBytes)} are accepted`,
  );
}

/**
 * `Expect: 100-continue` (the CLI sends it with bodies of 64 KiB or more): a body declared over
 * `maxBytes` is refused before the client sends any of it — the request goes through the
 * routes without `100 Continue`, and {@link receiveBody} answers 413 and closes the connection
 * (the client never sent the body, so there is nothing to drain). Other requests are told to continue
 * by {@link receiveBody}, that is only once the caller is authenticated and may call the route.
 */
export function answerExpectContinue(server: Server, maxBytes: number = MAX_BODY_BYTES): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    // `100 Continue` is sent by receiveBody, once the caller may call the route and the size is fine.
    if (Number(req.headers['content-length'] ?? '0') > maxBytes) res.setHeader('Connection', 'close');
    server.emit('request', req, res);
  });
}

/** The media type of the request without parameters, lowercased; null when absent. */
export function mediaTypeOf(req: ApiRequest): string | null {
  const header = req.headers['content-type'];
  if (!header) return null;
  return header.split(';')[0]!.trim().toLowerCase();
}

const isJsonType = (type: string | null): boolean =>
  type === null || type === 'application/json' || type.endsWith('+json');

/** The body as text (UTF-8); a 400 when it is not valid UTF-8. */
export function bodyText(req: ApiRequest): string {
  const raw = req.rawBody ?? Buffer.alloc(0);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ApiError(400, 'invalid_request', 'request body is not valid UTF-8 text');
  }
}

/**
 * Parses a JSON request body. Content-Type must be `application/json` (or absent); an empty body is
 * `emptyAs` when given, else an error; a syntax error names its line and column.
 */
export function jsonBody(req: ApiRequest, emptyAs?: unknown): unknown {
  const type = mediaTypeOf(req);
  const text = bodyText(req);
  if (text.trim() === '') {
    if (emptyAs !== undefined) return emptyAs;
    throw new ApiError(400, 'invalid_request', 'request body is empty; expected a JSON object');
  }
  if (!isJsonType(type)) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Content-Type ${type} is not accepted here; send application/json`,
    );
  }
  return parseJsonText(text);
}

/**
 * JSON.parse with a 400 that says where the syntax error is, and a 400 naming the path for what no
 * part of Tributary can store or send (NUL, unpaired surrogates, nesting deeper than
 * {@link MAX_JSON_DEPTH}, `__proto__`/`constructor`/`prototype` keys): refused here, not by Postgres later.
 */
export function parseJsonText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? lineColumn(text, Number(position[1])) : null;
    throw new ApiError(
      400,
      'invalid_json',
      `request body is not valid JSON${where ? ` (line ${where.line}, column ${where.column})` : ''}: ${message}`,
      [{ path: '', message, ...(where ?? {}) }],
    );
  }
  assertStorable(value, 'request body');
  return value;
}

/** A 400 naming the path when `value` holds what Tributary cannot store or send (see {@link parseJsonText}). */
export function assertStorable(value: unknown, what: string): void {
  const problem = jsonProblem(value, MAX_JSON_DEPTH);
  if (problem) {
    throw new ApiError(
      400,
      'invalid_request',
      `${what}${problem.path ? ` at ${problem.path}` : ''}: ${problem.message}`,
      [{ path: problem.path, message: problem.message }],
    );
  }
}

/** A 400 when a text Postgres cannot store (NUL, unpaired surrogates) was sent as `what`. */
export function assertStorableText(text: string, what: string, path: string): void {
  const problem = textProblem(text);
  if (problem) throw new ApiError(400, 'invalid_request', `${what} ${problem}`, [{ path, message: problem }]);
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}
