import type { Json } from '../../handler.js';
import { FatalError } from '../../task-errors.js';
import { BuiltinInput } from '../builtin-input.js';

export const DEFAULT_MAX_REDIRECTS = 5;
export const MAX_MAX_REDIRECTS = 20;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
export const MAX_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const MAX_HTTP_TIMEOUT_MS = 10 * 60_000;

/** Every `with:` key the `http` built-in accepts. */
export const HTTP_INPUT_KEYS = [
  'url',
  'method',
  'body',
  'headers',
  'maxRedirects',
  'maxResponseBytes',
  'timeoutMs',
];

/** One `http` stage's request, checked. Header names are lower case. */
export interface HttpCallInput {
  url: URL;
  method: string;
  headers: Record<string, string>;
  /** The bytes to send, already encoded (a string as is, anything else as JSON). */
  body: string | undefined;
  maxRedirects: number;
  maxResponseBytes: number;
  timeoutMs: number;
}

// Framing and routing are the client's job; a caller setting them could smuggle requests or pick another virtual host.
const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
]);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Control characters other than tab end a header early or are refused by Node; say so without echoing the value.
// eslint-disable-next-line no-control-regex
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]|[^\u0000-\u00ff]/;

/** Reads the stage's `with:` map; every problem is a FatalError naming the field (never a header value). */
export function parseHttpCallInput(input: Json | undefined): HttpCallInput {
  const fields = new BuiltinInput('http', input, HTTP_INPUT_KEYS);
  const url = parseUrl(fields.requiredString('url'));
  const method = (fields.optionalString('method') ?? 'GET').toUpperCase();
  if (!HEADER_NAME.test(method)) throw new FatalError(`http: input "method" must be an HTTP method token`);
  const headers = checkedHeaders(fields.optionalStringMap('headers') ?? {});
  const json = fields.optionalJson('body');
  if (json !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new FatalError(`http: a ${method} request cannot have a body`);
  }
  if (json !== undefined && typeof json !== 'string' && headers['content-type'] === undefined) {
    headers['content-type'] = 'application/json';
  }
  // Credentials in the URL are sent as Basic auth, as curl does; they never appear in errors or logs.
  if ((url.username !== '' || url.password !== '') && headers['authorization'] === undefined) {
    const basic = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers['authorization'] = `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`;
  }
  return {
    url,
    method,
    headers,
    body: json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json),
    maxRedirects: optionalInteger(fields, 'maxRedirects', 0, MAX_MAX_REDIRECTS) ?? DEFAULT_MAX_REDIRECTS,
    maxResponseBytes:
      optionalInteger(fields, 'maxResponseBytes', 1, MAX_MAX_RESPONSE_BYTES) ?? DEFAULT_MAX_RESPONSE_BYTES,
    timeoutMs: optionalInteger(fields, 'timeoutMs', 1, MAX_HTTP_TIMEOUT_MS) ?? DEFAULT_HTTP_TIMEOUT_MS,
  };
}

/** An http(s) URL, or a FatalError saying what is wrong with it (without echoing credentials). */
export function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FatalError(
      `http: input "url" must be an absolute URL, got ${JSON.stringify(raw.slice(0, 80))}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FatalError(`http: input "url" must be an http(s) URL, got ${url.protocol}`);
  }
  return url;
}

function optionalInteger(fields: BuiltinInput, key: string, min: number, max: number): number | undefined {
  return fields.has(key) ? fields.requiredNumber(key, { integer: true, min, max }) : undefined;
}

function checkedHeaders(given: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(given)) {
    const name = rawName.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      throw new FatalError(
        `http: input "headers" has an invalid header name ${JSON.stringify(rawName.slice(0, 60))}`,
      );
    }
    if (FORBIDDEN_HEADERS.has(name)) {
      throw new FatalError(`http: input "headers.${name}" cannot be set (the client sets it)`);
    }
    if (BAD_HEADER_VALUE.test(value)) {
      throw new FatalError(
        `http: input "headers.${name}" has a control or non-Latin-1 character in its value (value not shown)`,
      );
    }
    if (headers[name] !== undefined) {
      throw new FatalError(`http: input "headers" sets ${name} twice (names are case-insensitive)`);
    }
    headers[name] = value;
  }
  return headers;
}
