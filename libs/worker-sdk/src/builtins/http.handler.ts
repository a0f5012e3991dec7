import { defineHandler, type Json } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { BuiltinInput } from './builtin-input.js';
import { HttpError } from './http-error.js';

// Enough of an error body to see what the server said, not enough to bloat the event log.
const ERROR_BODY_CHARS = 1000;

/**
 * `http {url, method=GET, body?, headers?}` → the parsed JSON response (text when
 * it is not JSON; null when empty). A string body is sent as is, any other body
 * as JSON; credentials in the URL are sent as Basic auth. Non-2xx ⇒ HttpError (retryable for 5xx/429/408, not for other 4xx).
 * Aborts with ctx.signal.
 */
export const httpHandler = defineHandler({
  name: 'http',
  description: 'Calls input.url and returns the JSON (or text) response; fails on non-2xx.',
  run: async ({ input, signal, log }): Promise<Json> => {
    const fields = new BuiltinInput('http', input, ['url', 'method', 'body', 'headers']);
    const url = parseUrl(fields.requiredString('url'));
    const method = (fields.optionalString('method') ?? 'GET').toUpperCase();
    const headers = new Headers(fields.optionalStringMap('headers'));
    const body = fields.optionalJson('body');
    if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
      throw new FatalError(`http: a ${method} request cannot have a body`);
    }
    if (body !== undefined && typeof body !== 'string' && !headers.has('content-type')) {
      headers.set('content-type', 'application/json');
    }
    // fetch refuses URLs with credentials; send them as Basic auth, as curl does.
    if ((url.username !== '' || url.password !== '') && !headers.has('authorization')) {
      const basic = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers.set('authorization', `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`);
    }
    const safeUrl = withoutCredentials(url);
    const init: RequestInit = { method, headers, signal };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);

    let response: Response;
    try {
      response = await fetch(safeUrl, init);
    } catch (error) {
      if (signal.aborted) throw error; // the runner reports the timeout/cancel itself
      const reason = networkReason(error);
      throw new HttpError(
        `${method} ${safeUrl} failed: ${reason}`,
        { method, url: safeUrl, status: null },
        { cause: error },
      );
    }
    const text = await response.text();
    log.debug(`${method} ${safeUrl} → ${response.status}`, { status: response.status, bytes: text.length });

    if (!response.ok) {
      const details = {
        method,
        url: safeUrl,
        status: response.status,
        body: text.slice(0, ERROR_BODY_CHARS),
      };
      const statusText = response.statusText ? ` ${response.statusText}` : '';
      throw new HttpError(`${method} ${safeUrl} returned ${response.status}${statusText}`, details);
    }
    if (text === '') return null;
    if (!isJsonContentType(response.headers.get('content-type'))) return text;
    try {
      return JSON.parse(text) as Json;
    } catch {
      log.warn('response says JSON but does not parse; returning it as text', { url: safeUrl });
      return text;
    }
  },
});

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FatalError(`http: input "url" must be an absolute URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FatalError(`http: input "url" must be an http(s) URL, got ${url.protocol}`);
  }
  return url;
}

// Credentials in a URL must not end up in errors, logs or the event log.
function withoutCredentials(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

// fetch says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND) is in the cause.
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
