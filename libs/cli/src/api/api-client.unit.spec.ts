import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { runCli } from '../program.js';
import { recordingContext } from '../test-support.js';
import { ApiClient, EXPECT_CONTINUE_BYTES } from './api-client.js';

const TOO_LARGE = {
  error: {
    code: 'payload_too_large',
    message: 'request body is 41943062 bytes or more; at most 4194304 bytes (4 MiB) are accepted',
  },
};

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  setup?: (s: Server) => void,
): Promise<ApiClient> {
  server = createServer(handler);
  setup?.(server);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return new ApiClient({ url, token: 't', source: 'flags' });
}

const answer413 = (res: ServerResponse) => {
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(TOO_LARGE));
};

const bigBody = (mib: number) => JSON.stringify({ params: { blob: 'z'.repeat(mib * 1024 * 1024) } });

/** Issue #8: the CLI reports what the api answered, never the broken pipe that follows an early answer. */
describe('ApiClient and an api that answers before the body is sent', () => {
  it('reports a 413 answered at once (the server reads nothing and cuts the connection) as the 413', async () => {
    const client = await serve(
      (req, res) => {
        answer413(res);
        res.on('finish', () => setTimeout(() => req.socket.destroy(), 5));
      },
      // Without Expect: 100-continue handling the server still answers before reading the body.
      (s) => s.on('checkContinue', (req, res) => s.emit('request', req, res)),
    );
    const error = await client.post('/pipelines/p/runs', bigBody(40)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large', message: TOO_LARGE.error.message });
  });

  it('offers a large body with Expect: 100-continue, so a refusing api answers before any of it is sent', async () => {
    let received = 0;
    const expects: (string | undefined)[] = [];
    const client = await serve(
      (req, res) => {
        expects.push(req.headers.expect);
        req.on('data', (c: Buffer) => (received += c.length));
        req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end('{"runId":"r1"}'));
      },
      (s) =>
        s.on('checkContinue', (req, res) => {
          expects.push(req.headers.expect);
          answer413(res);
        }),
    );
    const error = await client.post('/pipelines/p/runs', bigBody(5)).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect([expects, received]).toEqual([['100-continue'], 0]);
  });

  it('sends the body after 100 Continue, and small bodies without waiting for one', async () => {
    const seen: { expect: string | undefined; bytes: number }[] = [];
    const client = await serve((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        seen.push({ expect: req.headers.expect, bytes });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"runId":"r1"}');
      });
    });
    const large = 'x'.repeat(EXPECT_CONTINUE_BYTES);
    expect(await client.post('/pipelines/p/runs', large, 'text/plain')).toEqual({ runId: 'r1' });
    expect(await client.post('/pipelines/p/runs', { params: {} })).toEqual({ runId: 'r1' });
    expect(seen).toEqual([
      { expect: '100-continue', bytes: EXPECT_CONTINUE_BYTES },
      { expect: undefined, bytes: 13 },
    ]);
  });

  it('sends the body anyway when the server ignores Expect (no 100 Continue) and reports its answer', async () => {
    const client = await serve(
      (req, res) => {
        let bytes = 0;
        req.on('data', (c: Buffer) => (bytes += c.length));
        req.on('end', () =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(`{"bytes":${bytes}}`),
        );
      },
      // A server (or proxy) that neither sends 100 Continue nor answers: the body must follow after a wait.
      (s) => s.on('checkContinue', (req, res) => s.emit('request', req, res)),
    );
    const body = 'y'.repeat(EXPECT_CONTINUE_BYTES * 2);
    expect(await client.post('/x', body, 'text/plain')).toEqual({ bytes: body.length });
  });

  it('a connection that breaks before any answer is connection_lost, not "cannot reach"; no listener is unreachable', async () => {
    const client = await serve((req) => req.socket.destroy());
    const error = await client.get('/runs').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: 'connection_lost' });
    expect((error as Error).message).toMatch(
      /^the connection to the api at http:\/\/127\.0\.0\.1:\d+ broke before it answered \(/,
    );
    const nobody = new ApiClient({ url: 'http://127.0.0.1:9', token: null, source: 'flags' });
    expect(await nobody.get('/runs').catch((e: unknown) => e)).toMatchObject({
      status: 0,
      code: 'unreachable',
      message: expect.stringMatching(/^cannot reach the api at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/),
    });
  });

  it('keeps GET connections alive across polls and sends a GET once more when the kept connection was closed', async () => {
    const sockets = new Set<unknown>();
    let calls = 0;
    const client = await serve((req, res) => {
      sockets.add(req.socket);
      calls += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"n":${calls}}`);
    });
    expect(await client.get('/runs')).toEqual({ n: 1 });
    expect(await client.get('/runs')).toEqual({ n: 2 });
    expect(sockets.size).toBe(1);
    server!.closeIdleConnections();
    expect(await client.get('/runs')).toEqual({ n: 3 });
  });
  it('tributary runs trigger --params-file with 6 MB of params prints the api’s 413 and exits 1', async () => {
    const client = await serve(
      (req, res) => {
        answer413(res);
        res.on('finish', () => setTimeout(() => req.socket.destroy(), 5));
      },
      (s) => s.on('checkContinue', (req, res) => s.emit('request', req, res)),
    );
    const dir = mkdtempSync(join(tmpdir(), 'tributary-cli-413-'));
    try {
      const file = join(dir, 'params.json');
      writeFileSync(file, JSON.stringify({ blob: 'q'.repeat(6 * 1024 * 1024) }));
      const ctx = recordingContext({ TRIBUTARY_API_URL: client.target.url, TRIBUTARY_API_TOKEN: 't' });
      const code = await runCli(['runs', 'trigger', 'p', '--params-file', file], ctx);
      expect([code, ctx.stderr().trim()]).toEqual([
        1,
        `error: payload_too_large: ${TOO_LARGE.error.message}`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
