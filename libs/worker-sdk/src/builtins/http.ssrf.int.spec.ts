import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Json } from '../handler.js';
import { FatalError } from '../task-errors.js';
import { handlerContext } from '../test-fixtures/handler-context.fixture.js';
import { startLocalHttpServer, type LocalHttpServer } from '../test-fixtures/local-http-server.fixture.js';
import { HttpError } from './http-error.js';
import { httpHandler } from './http.handler.js';

// Real servers on loopback addresses: `internal` plays the service an attacker wants to reach,
// `allowed` (on 127.0.0.2, listed in TRIBUTARY_HTTP_ALLOW) plays an allowed server that redirects there.
let internal: LocalHttpServer;
let allowed: LocalHttpServer;

beforeAll(async () => {
  internal = await startLocalHttpServer('127.0.0.1', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"secret":"internal data"}');
  });
  allowed = await startLocalHttpServer('127.0.0.2', (req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
    res.writeHead(target === null ? 200 : 302, target === null ? {} : { location: target });
    res.end('ok');
  });
});

afterAll(async () => {
  await Promise.all([internal.close(), allowed.close()]);
});

afterEach(() => {
  vi.unstubAllEnvs();
  internal.requests.length = 0;
});

const call = (input: Json) =>
  Promise.resolve()
    .then(() => httpHandler.run(handlerContext({ input })))
    .catch((error: unknown) => error);

async function expectRefused(url: string, reason: string, text: string | RegExp): Promise<HttpError> {
  const error = await call({ url });
  expect(error).toBeInstanceOf(HttpError);
  const httpError = error as HttpError;
  expect(httpError).toMatchObject({ status: null, retryable: false, details: { refused: reason } });
  expect(httpError.message).toMatch(text);
  expect(httpError.message).toContain('list it in TRIBUTARY_HTTP_ALLOW to allow it');
  expect(internal.requests).toHaveLength(0);
  return httpError;
}

describe('http: internal addresses are refused', () => {
  it('refuses http://127.0.0.1:<port> without sending anything', async () => {
    vi.stubEnv('TRIBUTARY_HTTP_ALLOW', '');
    const error = await expectRefused(
      `${internal.base}/x?token=abc`,
      'a loopback address',
      '127.0.0.1 is a loopback address',
    );
    expect(error.message).toBe(
      `GET ${internal.base}/x refused: 127.0.0.1 is a loopback address; list it in TRIBUTARY_HTTP_ALLOW to allow it`,
    );
  });

  it('refuses the cloud metadata endpoint 169.254.169.254 at once', async () => {
    const started = performance.now();
    await expectRefused(
      'http://169.254.169.254/latest/meta-data/',
      'a link-local address (cloud metadata endpoints live there)',
      '169.254.169.254 is a link-local address',
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a host name that resolves to a loopback address (checked after DNS)', async () => {
    await expectRefused(
      `http://localhost:${internal.port}/`,
      'a loopback address',
      /localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
    );
  });

  it.each([
    ['IPv6 loopback', `http://[::1]:PORT/`],
    ['IPv4-mapped IPv6', `http://[::ffff:127.0.0.1]:PORT/`],
    ['IPv4-mapped IPv6, hex', `http://[::ffff:7f00:1]:PORT/`],
    ['decimal IPv4', `http://2130706433:PORT/`],
    ['hex and short IPv4', `http://0x7f.1:PORT/`],
    ['the unspecified address', `http://0.0.0.0:PORT/`],
  ])('refuses %s literals', async (_name, template) => {
    const error = await call({ url: template.replace('PORT', String(internal.port)) });
    expect(error).toMatchObject({ name: 'HttpError', retryable: false });
    expect((error as HttpError).details.refused).toMatch(/loopback|unspecified/);
    expect(internal.requests).toHaveLength(0);
  });

  it('refuses a redirect from an allowed server to a loopback address, on every hop', async () => {
    vi.stubEnv('TRIBUTARY_HTTP_ALLOW', '127.0.0.2/32');
    const target = `${internal.base}/admin?key=s3cret`;
    const error = await expectRefused(
      `${allowed.base}/start?to=${encodeURIComponent(target)}`,
      'a loopback address',
      `GET ${allowed.base}/start (redirected to ${internal.base}/admin) refused: 127.0.0.1 is a loopback address`,
    );
    expect(error.details).toMatchObject({
      url: `${allowed.base}/start`,
      redirectedTo: `${internal.base}/admin`,
    });
    expect(JSON.stringify(error.details) + error.message).not.toContain('s3cret');
    expect(allowed.requests).toHaveLength(1);
  });

  it.each([
    [
      'the metadata endpoint',
      'http://169.254.169.254/latest/meta-data/',
      'a link-local address (cloud metadata endpoints live there)',
    ],
    ['a name resolving to loopback', 'http://localhost:PORT/', 'a loopback address'],
    [
      'a second redirect to loopback',
      'http://127.0.0.2:ALLOWED/again?to=http%3A%2F%2F127.0.0.1%3APORT%2F',
      'a loopback address',
    ],
  ])('refuses a redirect to %s', async (_name, to, reason) => {
    vi.stubEnv('TRIBUTARY_HTTP_ALLOW', '127.0.0.2');
    const target = to.replace('PORT', String(internal.port)).replace('ALLOWED', String(allowed.port));
    const error = await call({ url: `${allowed.base}/start?to=${encodeURIComponent(target)}` });
    expect(error).toMatchObject({ name: 'HttpError', retryable: false, details: { refused: reason } });
    expect(internal.requests).toHaveLength(0);
  });

  it('reaches what TRIBUTARY_HTTP_ALLOW lists, by address or by host name', async () => {
    vi.stubEnv('TRIBUTARY_HTTP_ALLOW', '127.0.0.1/32');
    expect(await call({ url: `${internal.base}/` })).toEqual({ secret: 'internal data' });
    vi.stubEnv('TRIBUTARY_HTTP_ALLOW', 'localhost');
    expect(await call({ url: `http://localhost:${internal.port}/` })).toEqual({ secret: 'internal data' });
    expect(internal.requests).toHaveLength(2);
  });

  it('a listed host name does not allow other names resolving to the same address', async () => {
    vi.stubEnv('TRIBUTARY_HTTP_ALLOW', 'localhost');
    await expectRefused(`${internal.base}/`, 'a loopback address', '127.0.0.1 is a loopback address');
  });

  it('fails every call with a precise error when TRIBUTARY_HTTP_ALLOW is malformed', async () => {
    vi.stubEnv('TRIBUTARY_HTTP_ALLOW', '127.0.0.1/33');
    const error = await call({ url: `${internal.base}/` });
    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toBe(
      'http: TRIBUTARY_HTTP_ALLOW: entry "127.0.0.1/33" is neither a CIDR (10.0.0.0/8, fd00::/8), an address nor a host name',
    );
  });
});
