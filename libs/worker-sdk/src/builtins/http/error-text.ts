// What of a request may appear in errors, logs and events: they outlive the run and viewers read them.

/** Response body characters kept in an error: enough to see what the server said. */
export const ERROR_BODY_CHARS = 200;
// Shorter values (`1`, `json`) are too common to redact without garbling the excerpt.
const MIN_REDACTED_LENGTH = 4;
// Values of these say how to talk, not who is talking; redacting them would only garble excerpts.
const PLAIN_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'content-type', 'user-agent']);

/** The URL an error may show: scheme, host, port and path; no credentials, query or fragment. */
export function publicUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * The values an excerpt must not repeat: header values (and their parts, e.g. the token of
 * `Bearer <token>`), URL credentials and query values. A server that echoes the request must
 * not turn its error body into a way to read them.
 */
export function secretsOf(url: URL, headers: Record<string, string>): string[] {
  const secrets = new Set<string>();
  const add = (value: string): void => {
    if (value.length >= MIN_REDACTED_LENGTH) secrets.add(value);
  };
  for (const [name, value] of Object.entries(headers)) {
    if (PLAIN_HEADERS.has(name)) continue;
    add(value);
    for (const part of value.split(/[\s,;=]+/)) add(part);
  }
  add(decodeURIComponent(url.username));
  add(decodeURIComponent(url.password));
  for (const value of url.searchParams.values()) add(value);
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** The start of a response body with every secret replaced by `[redacted]`. */
export function bodyExcerpt(body: string, secrets: readonly string[]): string {
  let text = body;
  for (const secret of secrets) text = text.split(secret).join('[redacted]');
  return text.length > ERROR_BODY_CHARS ? `${text.slice(0, ERROR_BODY_CHARS)}…` : text;
}
