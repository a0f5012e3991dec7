import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startApiHarness, type ApiHarness } from './test-support/api-harness.js';

const MiB = 1024 * 1024;

/** Sends a POST whose body trickles in; resolves with the answer and how long it took to come. */
function upload(
  url: string,
  headers: Record<string, string>,
  bytes: number,
  { chunk = 64 * 1024, everyMs = 20 } = {},
): Promise<{ status: number; body: string; ms: number; continued: boolean; cut: Promise<number> }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let continued = false;
    let answered = false;
    const req = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(bytes), ...headers },
    });
    let sent = 0;
    // Resolves with the bytes sent when the connection ends (cut by the api, or the upload done).
    const cut = new Promise<number>((done) => req.on('close', () => done(sent)));
    req.on('continue', () => (continued = true));
    req.on('response', (res) => {
      answered = true;
      const ms = Date.now() - started;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, ms, continued, cut }));
    });
    // The server may cut the connection once it answered; only an error before the answer fails.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    if (headers.expect) return;
    const write = () => {
      if (req.destroyed || answered || sent >= bytes) return;
      const n = Math.min(chunk, bytes - sent);
      sent += n;
      req.write(Buffer.alloc(n, 0x20));
      setTimeout(write, everyMs);
    };
    write();
  });
}

/** A raw socket: resolves once the server closes it, with what it sent. */
function rawSocket(port: number, send: string): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString()));
  socket.on('error', () => undefined);
  socket.write(send);
  return { socket, closed: new Promise((resolve) => socket.on('close', () => resolve(received))) };
}

/** Issue #10: the api's edge — auth before bodies, bounded connections and time, per-token rates, TLS. */
describe('api edge', () => {
  let h: ApiHarness;
  let runsUrl: string;
  let port: number;

  beforeAll(async () => {
    h = await startApiHarness({
      edge: { headersTimeoutMs: 1000, bodyTimeoutMs: 1000, ratePerSecond: 2, rateBurst: 10, maxConnections: 40 },
    });
    runsUrl = `${h.api.url}/api/v1/pipelines/shipping/runs`;
    port = Number(new URL(h.api.url).port);
  });
  afterAll(() => h?.close());

  it('refuses an unauthenticated 4 MB upload within 1 s, without reading it', async () => {
    for (const headers of [{}, { authorization: `Bearer trb_0000000000000000_${'A'.repeat(43)}` }] as Record<string, string>[]) {
      const answer = await upload(runsUrl, headers, 4 * MiB, { chunk: 16 * 1024, everyMs: 50 });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).error.code).toBe('unauthorized');
      expect(answer.ms).toBeLessThan(1000);
      // The rest is dropped for a second at most, then the connection is cut: far from 4 MB.
      expect(await answer.cut).toBeLessThan(2 * MiB);
    }
  });

  it('refuses a 4 MB upload from a role below the route’s within 1 s, without reading it', async () => {
    const viewer = await h.tokenFor('viewer', 'uploader');
    const answer = await upload(`${h.api.url}/api/v1/pipelines`, { authorization: `Bearer ${viewer}` }, 4 * MiB, {
      chunk: 16 * 1024,
      everyMs: 50,
    });
    expect(answer.status).toBe(403);
    expect(answer.ms).toBeLessThan(1000);
  });

  it('tells an unauthenticated client never to send its body (no 100 Continue)', async () => {
    const answer = await upload(runsUrl, { expect: '100-continue' }, 4 * MiB);
    expect([answer.continued, answer.status]).toEqual([false, 401]);
    const authed = await upload(
      runsUrl,
      { expect: '100-continue', authorization: `Bearer ${ADMIN_TOKEN}` },
      4 * MiB + 1024 * 1024,
    );
    expect([authed.continued, authed.status]).toEqual([false, 413]);
  });

  it('answers 408 to an authenticated body that stalls past the body timeout', async () => {
    const started = Date.now();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(runsUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('{"params": ');
    });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body).error.message).toContain('not received within 1s');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('closes a connection whose headers do not arrive within the headers timeout', async () => {
    const started = Date.now();
    const { closed } = rawSocket(port, 'GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n');
    const received = await closed;
    expect(Date.now() - started).toBeLessThan(3500);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses connections over the cap', async () => {
    const sockets = Array.from({ length: 45 }, () => rawSocket(port, ''));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const states = await Promise.all(
      sockets.map(({ closed }) => Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 200))])),
    );
    expect(states.filter((s) => s === 'closed').length).toBeGreaterThanOrEqual(5);
    expect(states.filter((s) => s === 'open').length).toBeLessThanOrEqual(40);
    for (const { socket } of sockets) socket.destroy();
    await Promise.all(sockets.map(({ closed }) => closed));
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  it('rate-limits each token with 429 and Retry-After, leaving other tokens alone', async () => {
    const viewer = await h.tokenFor('viewer', 'chatty');
    expect((await h.call('GET', '/runs', { token: viewer })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 14 }, () => h.call('GET', '/runs', { token: viewer })));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.body.error).toMatchObject({ code: 'rate_limited' });
    expect(limited[0]!.body.error.message).toContain('token "chatty" sent too many requests');
    const other = await h.tokenFor('viewer', 'quiet');
    expect((await h.call('GET', '/runs', { token: other })).status).toBe(200);
  });

  it('says only which dependency is down on the public healthz', async () => {
    const res = await h.call('GET', '/healthz', { token: null });
    expect(res.body).toEqual({ status: 'ok', postgres: 'ok', nats: 'ok' });
  });
});

describe('api over TLS', () => {
  let h: ApiHarness;
  let dir: string;
  let cert: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    h = await startApiHarness({ edge: { tls: { cert, key: readFileSync(join(dir, 'key.pem')) } } });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with TRIBUTARY_API_TLS_CERT / _KEY, and no plain HTTP', async () => {
    expect(h.api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${h.api.url}/api/v1/runs`, {
        ca: cert,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(200);
    const plain = await fetch(h.api.url.replace('https:', 'http:') + '/api/v1/healthz').catch((e: Error) => e);
    expect(plain).toBeInstanceOf(Error);
  });
});
