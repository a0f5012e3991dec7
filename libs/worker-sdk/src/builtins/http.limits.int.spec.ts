import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Json } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { startLocalHttpServer, type LocalHttpServer } from '../test-fixtures/local-http-server.fixture.js';
import { HttpError } from './http-error.js';
import { httpHandler } from './http.handler.js';

const MIB = 1024 * 1024;
const SECRET = 'sk-live-0123456789abcdef';

// `origin` (127.0.0.1) and `other` (127.0.0.2): two real servers, two origins, both allowed.
let origin: LocalHttpServer;
let other: LocalHttpServer;

function respond(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const to = url.searchParams.get('to');
  switch (url.pathname) {
    case '/redirect':
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to ?? '/headers' });
      res.end();
      return;
    case '/loop':
      res.writeHead(302, { location: '/loop' });
      res.end();
      return;
    case '/headers':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, headers: req.headers }));
      return;
    case '/bytes': {
      const body = Buffer.alloc(Number(url.searchParams.get('n')), 'a');
      res.writeHead(200, url.searchParams.has('chunked') ? {} : { 'content-length': body.length });
      res.end(body);
      return;
    }
    case '/gzip': {
      const body = gzipSync(Buffer.alloc(Number(url.searchParams.get('n')), '7'));
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': body.length });
      res.end(body);
      return;
    }
    case '/dribble': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case '/hang':
      return;
    case '/echo-error':
      // A server that repeats the request in its error page (many do).
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`bad request ${req.url} with ${JSON.stringify(req.headers)} ${'x'.repeat(2000)}`);
      return;
    default:
      res.writeHead(404);
      res.end();
  }
}

beforeAll(async () => {
  vi.stubEnv('TRIBUTARY_HTTP_ALLOW', '127.0.0.1,127.0.0.2');
  origin = await startLocalHttpServer('127.0.0.1', respond);
  other = await startLocalHttpServer('127.0.0.2', respond);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([origin.close(), other.close()]);
});

const call = (input: Json) =>
  Promise.resolve()
    .then(() => httpHandler.run(handlerContext({ input })))
    .catch((error: unknown) => error);

const credentials = {
  authorization: `Bearer ${SECRET}`,
  cookie: `session=${SECRET}`,
  'x-api-key': SECRET,
  accept: 'application/json',
};

describe('http: redirects', () => {
  it('keeps the headers on a same-origin redirect', async () => {
    const result = (await call({ url: `${origin.base}/redirect?to=/headers`, headers: credentials })) as {
      headers: Record<string, string>;
    };
    expect(result.headers).toMatchObject({
      authorization: `Bearer ${SECRET}`,
      cookie: `session=${SECRET}`,
      'x-api-key': SECRET,
    });
  });

  it('drops Authorization, Cookie and custom headers on a cross-origin redirect', async () => {
    const to = encodeURIComponent(`${other.base}/headers`);
    const result = (await call({ url: `${origin.base}/redirect?to=${to}`, headers: credentials })) as {
      headers: Record<string, string>;
    };
    expect(result.headers.accept).toBe('application/json');
    expect(result.headers).not.toHaveProperty('authorization');
    expect(result.headers).not.toHaveProperty('cookie');
    expect(result.headers).not.toHaveProperty('x-api-key');
    expect(other.requests).toHaveLength(1);
  });

  it('turns a POST into a GET without a body on 303', async () => {
    const result = await call({ url: `${origin.base}/redirect?status=303`, method: 'POST', body: { a: 1 } });
    expect(result).toMatchObject({ method: 'GET', headers: { host: expect.any(String) } });
    expect((result as { headers: Record<string, string> }).headers).not.toHaveProperty('content-type');
  });

  it('follows at most 5 redirects by default, maxRedirects otherwise', async () => {
    const before = origin.requests.length;
    const error = await call({ url: `${origin.base}/loop` });
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      retryable: false,
      message: `GET ${origin.base}/loop failed: more than 5 redirects (maxRedirects)`,
    });
    expect(origin.requests.length - before).toBe(6);
    const none = await call({ url: `${origin.base}/loop`, maxRedirects: 0 });
    expect(none).toMatchObject({
      message: `GET ${origin.base}/loop failed: more than 0 redirects (maxRedirects)`,
    });
  });

  it('refuses a redirect to another scheme', async () => {
    const error = await call({
      url: `${origin.base}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`,
    });
    expect(error).toMatchObject({ name: 'HttpError', retryable: false });
    expect((error as Error).message).toContain('failed: a redirect to a file: URL');
  });
});

describe('http: response size', () => {
  it('returns a body of exactly maxResponseBytes and refuses one byte more', async () => {
    expect(await call({ url: `${origin.base}/bytes?n=10`, maxResponseBytes: 10 })).toBe('a'.repeat(10));
    const error = await call({ url: `${origin.base}/bytes?n=11&chunked`, maxResponseBytes: 10 });
    expect(error).toMatchObject({
      name: 'HttpError',
      retryable: false,
      message: `GET ${origin.base}/bytes failed: the response body is larger than 10 bytes (maxResponseBytes)`,
    });
  });

  it.each([
    ['declared', ''],
    ['chunked', '&chunked'],
  ])('caps a %s body at 1 MiB by default', async (_kind, flag) => {
    expect(await call({ url: `${origin.base}/bytes?n=${MIB}${flag}` })).toHaveLength(MIB);
    const error = await call({ url: `${origin.base}/bytes?n=${MIB + 1}${flag}` });
    expect((error as Error).message).toContain(
      'the response body is larger than 1048576 bytes (maxResponseBytes)',
    );
  });

  it('reads no body for HEAD, whatever Content-Length says', async () => {
    expect(await call({ url: `${origin.base}/bytes?n=${2 * MIB}`, method: 'HEAD' })).toBeNull();
  });

  it('counts decompressed bytes (a small gzip cannot unpack past the cap)', async () => {
    const ok = { url: `${origin.base}/gzip?n=1000`, headers: { 'accept-encoding': 'gzip' } };
    expect(await call(ok)).toBe('7'.repeat(1000));
    const bomb = await call({ ...ok, url: `${origin.base}/gzip?n=${8 * MIB}` });
    expect((bomb as Error).message).toContain('larger than 1048576 bytes');
  });

  it('refuses a maxResponseBytes above 16 MiB', async () => {
    const error = await call({ url: `${origin.base}/bytes?n=1`, maxResponseBytes: 32 * MIB });
    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toBe(
      'http: input "maxResponseBytes" must be an integer <= 16777216, got 33554432',
    );
  });
});

describe('http: time', () => {
  it.each([
    ['a body that never ends', '/dribble'],
    ['a server that never answers', '/hang'],
  ])('times out %s after timeoutMs, retryably', async (_name, path) => {
    const started = performance.now();
    const error = await call({ url: `${origin.base}${path}`, timeoutMs: 300 });
    expect(error).toMatchObject({
      name: 'HttpError',
      retryable: true,
      message: `GET ${origin.base}${path} timed out after 300 ms (timeoutMs)`,
    });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('http: secrets stay out of errors', () => {
  it('never echoes header values, URL credentials or query values, even when the server does', async () => {
    const url = `${origin.base.replace('http://', `http://user:${SECRET}x@`)}/echo-error?token=${SECRET}y`;
    const error = (await call({ url, headers: { 'x-api-key': SECRET } })) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    const everything = `${error.message} ${JSON.stringify(error.details)} ${error.stack ?? ''}`;
    expect(everything).not.toContain(SECRET);
    expect(error.message).toBe(`GET ${origin.base}/echo-error returned 500 Internal Server Error`);
    expect(error.details.url).toBe(`${origin.base}/echo-error`);
    expect(error.details.body).toContain('[redacted]');
    expect(error.details.body?.length).toBeLessThanOrEqual(201);
  });

  it('refuses a header value with a line break without showing it', async () => {
    const error = await call({
      url: `${origin.base}/headers`,
      headers: { 'x-api-key': `${SECRET}\r\nx: y` },
    });
    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toBe(
      'http: input "headers.x-api-key" has a control or non-Latin-1 character in its value (value not shown)',
    );
  });

  it('refuses headers the client must set itself', async () => {
    const error = await call({ url: `${origin.base}/headers`, headers: { Host: 'internal.example' } });
    expect((error as Error).message).toBe('http: input "headers.host" cannot be set (the client sets it)');
  });
});
