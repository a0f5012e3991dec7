import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { HttpAddressPolicy } from './address-policy.js';
import { assertLiteralAllowed, guardedLookup } from './guarded-lookup.js';

/** One request of a call (the first, or one redirect). */
export interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  policy: HttpAddressPolicy;
  /** Aborts the connection and the body read; the call's timeout and the attempt's signal both feed it. */
  signal: AbortSignal;
}

/** A response whose body was larger than the call allows. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';

  constructor(readonly limit: number) {
    super(`the response body is larger than ${limit} bytes (maxResponseBytes)`);
  }
}

/** A response with its headers read and its body not yet. */
export class OpenResponse {
  constructor(
    private readonly message: IncomingMessage,
    private readonly signal: AbortSignal,
  ) {}

  get status(): number {
    return this.message.statusCode ?? 0;
  }

  get statusText(): string {
    return this.message.statusMessage ?? '';
  }

  get headers(): IncomingHttpHeaders {
    return this.message.headers;
  }

  /** Drops the body (a redirect's) and the connection. */
  discard(): void {
    this.message.destroy();
  }

  /**
   * The whole body, decompressed, or ResponseTooLargeError as soon as more than `limit` bytes
   * arrive (a declared Content-Length over the limit fails before any is read). Rejects with the
   * signal's reason when it aborts.
   */
  async readBody(limit: number): Promise<Buffer> {
    const encoding = (this.message.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const declared = Number(this.message.headers['content-length']);
    if (encoding === 'identity' && Number.isFinite(declared) && declared > limit) {
      this.discard();
      throw new ResponseTooLargeError(limit);
    }
    const source = decoded(this.message, encoding);
    const abort = (): void => {
      source.destroy(this.signal.reason instanceof Error ? this.signal.reason : new Error('aborted'));
    };
    this.signal.addEventListener('abort', abort, { once: true });
    if (this.signal.aborted) abort();
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) throw new ResponseTooLargeError(limit);
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    } finally {
      this.signal.removeEventListener('abort', abort);
      this.discard();
    }
  }
}

/**
 * Sends one request without following redirects. The address policy judges an IP literal here
 * and every resolved address in the lookup, so only checked addresses are connected to. No
 * connection pooling: every hop connects (and is judged) anew.
 */
export function openRequest(hop: Hop): Promise<OpenResponse> {
  assertLiteralAllowed(hop.policy, hop.url.hostname);
  const client = hop.url.protocol === 'https:' ? https : http;
  // Defaults some servers insist on; the caller's own values win.
  const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'tributary-http', ...hop.headers };
  if (hop.body !== undefined) headers['content-length'] = String(Buffer.byteLength(hop.body));
  return new Promise((resolve, reject) => {
    const request = client.request(
      withoutCredentials(hop.url),
      { method: hop.method, headers, agent: false, lookup: guardedLookup(hop.policy), signal: hop.signal },
      (message) => resolve(new OpenResponse(message, hop.signal)),
    );
    request.on('error', reject);
    request.end(hop.body);
  });
}

// Only what was asked for by the caller's own accept-encoding can arrive compressed; the cap counts decoded bytes (bombs).
function decoded(message: IncomingMessage, encoding: string): Readable {
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (decoder === undefined) return message;
  return pipeline(message, decoder, () => {});
}

// URL credentials travel only as the Authorization header the input built (Node would add its own from the URL).
function withoutCredentials(url: URL): URL {
  if (url.username === '' && url.password === '') return url;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy;
}
