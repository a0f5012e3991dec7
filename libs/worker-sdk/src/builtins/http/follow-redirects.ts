import type { IncomingHttpHeaders } from 'node:http';
import type { HttpAddressPolicy } from './address-policy.js';
import type { HttpCallInput } from './http-call-input.js';
import { openRequest } from './send-request.js';

/** A response the call ends with: the last hop's status and headers, its body, and its URL. */
export interface FinalResponse {
  url: URL;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A redirect the call will not follow: too many, or a Location that is not an http(s) URL. */
export class RedirectError extends Error {
  override readonly name = 'RedirectError';
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// What may follow a request to another origin: nothing that can carry a credential.
const CROSS_ORIGIN_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'user-agent',
  'content-type',
]);

/**
 * Sends the call, following up to `maxRedirects` redirects; each hop is judged by the address
 * policy again. `onHop` learns the URL of every request before it is sent (errors name it).
 */
export async function followRedirects(
  call: HttpCallInput,
  policy: HttpAddressPolicy,
  signal: AbortSignal,
  onHop: (url: URL) => void,
): Promise<FinalResponse> {
  let { url, method, headers, body } = call;
  for (let redirects = 0; ; redirects++) {
    onHop(url);
    const response = await openRequest({ url, method, headers, body, policy, signal });
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.status) || location === undefined) {
      return {
        url,
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        // A HEAD answer's Content-Length describes the GET body: there is nothing to read or cap.
        body: method === 'HEAD' ? emptyBody(response) : await response.readBody(call.maxResponseBytes),
      };
    }
    response.discard();
    if (redirects >= call.maxRedirects) {
      throw new RedirectError(`more than ${call.maxRedirects} redirects (maxRedirects)`);
    }
    const next = redirectTarget(location, url);
    // 303, and 301/302 after a POST, turn into a GET without a body (as browsers and curl do).
    if ((response.status === 303 && method !== 'HEAD') || (response.status <= 302 && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = withoutKey(headers, 'content-type');
    }
    if (next.origin !== url.origin) headers = crossOriginHeaders(headers);
    url = next;
  }
}

function emptyBody(response: { discard(): void }): Buffer {
  response.discard();
  return Buffer.alloc(0);
}

function redirectTarget(location: string, base: URL): URL {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    throw new RedirectError('a redirect Location that is not a URL');
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new RedirectError(`a redirect to a ${next.protocol} URL`);
  }
  // Credentials only ever come from the stage's own URL, never from a server's Location.
  next.username = '';
  next.password = '';
  return next;
}

/** The headers that may follow a redirect to another origin: Authorization, Cookie and custom ones stay behind. */
export function crossOriginHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => CROSS_ORIGIN_HEADERS.has(name)));
}

function withoutKey(headers: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== key));
}
