import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Json } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { HttpError } from './http-error.js';
import { httpHandler } from './http.handler.js';

interface Seen {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let lastRequest: Seen | undefined;

beforeAll(async () => {
  // The built-in refuses loopback addresses unless listed (http.ssrf.unit.spec.ts tests the refusals).
  vi.stubEnv('TRIBUTARY_HTTP_ALLOW', '127.0.0.1/32');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      lastRequest = {
        method: req.method,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      switch (path) {
        case '/json':
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ ok: true, items: [1, 2] }));
          return;
        case '/text':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('hello');
          return;
        case '/echo':
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ method: req.method, body: lastRequest.body }));
          return;
        case '/empty':
          res.writeHead(204);
          res.end();
          return;
        case '/missing':
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('no such thing');
          return;
        case '/unavailable':
          res.writeHead(503);
          res.end('try later');
          return;
        case '/throttled':
          res.writeHead(429);
          res.end();
          return;
        case '/slow':
          setTimeout(() => res.end('late'), 5_000).unref();
          return;
        default:
          res.writeHead(500);
          res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const call = (input: Json, signal?: AbortSignal) =>
  Promise.resolve().then(() => httpHandler.run(handlerContext(signal ? { input, signal } : { input })));

describe('http', () => {
  it('returns the parsed JSON of a 200', async () => {
    expect(await call({ url: `${base}/json` })).toEqual({ ok: true, items: [1, 2] });
    expect(lastRequest?.method).toBe('GET');
  });

  it('returns the text of a non-JSON 200', async () => {
    expect(await call({ url: `${base}/text` })).toBe('hello');
  });

  it('returns null for an empty body', async () => {
    expect(await call({ url: `${base}/empty` })).toBeNull();
  });

  it('sends method, headers and a JSON body', async () => {
    const result = await call({
      url: `${base}/echo`,
      method: 'post',
      headers: { 'x-trace': 'abc' },
      body: { q: 'shoes' },
    });
    expect(result).toEqual({ method: 'POST', body: '{"q":"shoes"}' });
    expect(lastRequest?.headers['content-type']).toBe('application/json');
    expect(lastRequest?.headers['x-trace']).toBe('abc');
  });

  it('sends a string body as is', async () => {
    await call({
      url: `${base}/echo`,
      method: 'PUT',
      body: 'raw',
      headers: { 'content-type': 'text/plain' },
    });
    expect(lastRequest).toMatchObject({ method: 'PUT', body: 'raw' });
    expect(lastRequest?.headers['content-type']).toBe('text/plain');
  });

  it('fails a 404 without retry, carrying the status', async () => {
    const error = await call({ url: `${base}/missing` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 404,
      retryable: false,
      message: `GET ${base}/missing returned 404 Not Found`,
    });
    expect((error as HttpError).details).toMatchObject({ status: 404, body: 'no such thing' });
  });

  it.each([
    ['/unavailable', 503],
    ['/throttled', 429],
  ])('fails %s retryably with status %i', async (path, status) => {
    const error = await call({ url: `${base}${path}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status, retryable: true });
  });

  it('fails retryably when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await call({ url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HttpError', status: null, retryable: true });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('aborts with the signal', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = call({ url: `${base}/slow` }, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('sends URL credentials as Basic auth and keeps them out of error messages', async () => {
    const error = await call({ url: base.replace('http://', 'http://user:secret@') + '/missing' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'HttpError', status: 404 });
    expect((error as Error).message).not.toContain('secret');
    expect(JSON.stringify((error as HttpError).details)).not.toContain('secret');
    expect(lastRequest?.headers.authorization).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
  });

  it.each([
    [{}, 'http: input "url" is required (a string)'],
    [{ url: 3 }, 'http: input "url" must be a string, got number 3'],
    [{ url: 'not a url' }, 'http: input "url" must be an absolute URL'],
    [{ url: 'ftp://x/y' }, 'http: input "url" must be an http(s) URL'],
    [{ url: 'http://x', headers: { a: 1 } }, 'http: input "headers.a" must be a string, got number 1'],
    [{ url: 'http://x', body: { a: 1 } }, 'http: a GET request cannot have a body'],
  ])('refuses %j with a FatalError', async (input, message) => {
    const run = call(input);
    await expect(run).rejects.toBeInstanceOf(FatalError);
    await expect(run).rejects.toThrow(message);
  });
});
