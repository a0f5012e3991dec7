import { defineHandler, type Json, type TaskLogger } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { HTTP_ALLOW_VARIABLE, HttpAddressPolicy } from './http/address-policy.js';
import { bodyExcerpt, publicUrl, secretsOf } from './http/error-text.js';
import { RedirectError, followRedirects, type FinalResponse } from './http/follow-redirects.js';
import { AddressRefusedError } from './http/guarded-lookup.js';
import { parseHttpCallInput, type HttpCallInput } from './http/http-call-input.js';
import { ResponseTooLargeError } from './http/send-request.js';
import { HttpError, type HttpErrorDetails } from './http-error.js';

/** The call's own deadline (`timeoutMs`) passed: told apart from the attempt's timeout and cancel. */
class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
}

/**
 * `http {url, method=GET, body?, headers?, maxRedirects?, maxResponseBytes?, timeoutMs?}` → the
 * parsed JSON response (text when it is not JSON; null when empty). Internal addresses are refused
 * unless TRIBUTARY_HTTP_ALLOW lists them (docs/security.md); redirects, body size and time are
 * bounded. Non-2xx ⇒ HttpError (retryable for 5xx/429/408, not for other 4xx). Aborts with ctx.signal.
 */
export const httpHandler = defineHandler({
  name: 'http',
  description: 'Calls input.url and returns the JSON (or text) response; fails on non-2xx.',
  run: async ({ input, signal, log }): Promise<Json> => {
    const call = parseHttpCallInput(input);
    const policy = allowPolicy();
    const response = await send(call, policy, signal);
    const text = response.body.toString('utf8');
    const where = publicUrl(response.url);
    log.debug(`${call.method} ${where} → ${response.status}`, {
      status: response.status,
      bytes: response.body.length,
    });
    if (response.status < 200 || response.status > 299) throw statusError(call, response, text);
    return parsedBody(text, response.headers['content-type'], where, log);
  },
});

function allowPolicy(): HttpAddressPolicy {
  try {
    return HttpAddressPolicy.fromEnvironment();
  } catch (error) {
    throw new FatalError(`http: ${(error as Error).message}`);
  }
}

/** Runs the call under its own deadline; every failure but the attempt's abort becomes an HttpError. */
async function send(
  call: HttpCallInput,
  policy: HttpAddressPolicy,
  signal: AbortSignal,
): Promise<FinalResponse> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  const timer = setTimeout(
    () => controller.abort(new CallTimeoutError(`timed out after ${call.timeoutMs} ms (timeoutMs)`)),
    call.timeoutMs,
  );
  let current = call.url;
  try {
    return await followRedirects(call, policy, controller.signal, (url) => (current = url));
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error; // the runner reports the timeout/cancel itself
    const reason = controller.signal.reason;
    throw networkError(call, current, reason instanceof CallTimeoutError ? reason : error);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function networkError(call: HttpCallInput, current: URL, error: unknown): HttpError {
  const details: HttpErrorDetails = { method: call.method, url: publicUrl(call.url), status: null };
  if (current.href !== call.url.href) details.redirectedTo = publicUrl(current);
  const target = details.redirectedTo
    ? `${details.url} (redirected to ${details.redirectedTo})`
    : details.url;
  const prefix = `${call.method} ${target}`;
  if (error instanceof AddressRefusedError) {
    details.refused = error.reason;
    return new HttpError(
      `${prefix} refused: ${error.message}; list it in ${HTTP_ALLOW_VARIABLE} to allow it`,
      details,
      { retryable: false },
    );
  }
  if (error instanceof ResponseTooLargeError || error instanceof RedirectError) {
    return new HttpError(`${prefix} failed: ${error.message}`, details, { retryable: false });
  }
  if (error instanceof CallTimeoutError) return new HttpError(`${prefix} ${error.message}`, details);
  return new HttpError(`${prefix} failed: ${networkReason(error)}`, details, { cause: error });
}

function statusError(call: HttpCallInput, response: FinalResponse, text: string): HttpError {
  const details: HttpErrorDetails = {
    method: call.method,
    url: publicUrl(call.url),
    status: response.status,
    body: bodyExcerpt(text, secretsOf(call.url, call.headers)),
  };
  if (response.url.href !== call.url.href) details.redirectedTo = publicUrl(response.url);
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  const via = details.redirectedTo ? ` (redirected to ${details.redirectedTo})` : '';
  return new HttpError(
    `${call.method} ${details.url}${via} returned ${response.status}${statusText}`,
    details,
  );
}

function parsedBody(text: string, contentType: string | undefined, where: string, log: TaskLogger): Json {
  if (text === '') return null;
  if (!isJsonContentType(contentType)) return text;
  try {
    return JSON.parse(text) as Json;
  } catch {
    log.warn('response says JSON but does not parse; returning it as text', { url: where });
    return text;
  }
}

function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

// Node's network errors say what failed (ECONNREFUSED 127.0.0.1:8080, ENOTFOUND host); never header values.
function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
