import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startApiHarness, type ApiHarness } from './test-support/api-harness.js';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** Issue #8: what no part of Tributary can store or send is refused where it enters, with where and why. */
describe('api: one bad input, one precise refusal', () => {
  let h: ApiHarness;
  const trigger = (body: unknown, contentType?: string) =>
    h.call('POST', '/pipelines/shipping/runs', { body, ...(contentType ? { contentType } : {}) });

  beforeAll(async () => {
    h = await startApiHarness();
    const applied = await h.call('POST', '/pipelines', {
      body: `id: shipping
params: { type: object, required: [markets], properties: { markets: { type: array } } }
stages:
  - { id: only, executor: noop }
`,
      contentType: 'application/yaml',
    });
    expect(applied.status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    [
      'a NUL in params',
      { params: { markets: ['a\u0000b'] } },
      '/params/markets/0',
      'string contains the NUL character (\\u0000) at index 1',
    ],
    [
      'a lone surrogate in params',
      { params: { markets: ['\ud800'] } },
      '/params/markets/0',
      'string contains an unpaired UTF-16 surrogate (\\ud800) at index 0',
    ],
    [
      'a NUL in the idempotency key',
      { params: { markets: [] }, idempotencyKey: 'k\u0000' },
      '/idempotencyKey',
      'string contains the NUL character',
    ],
    [
      '__proto__ in params',
      JSON.parse('{"params":{"markets":[],"__proto__":{"markets":1}}}'),
      '/params/__proto__',
      'the key "__proto__" is not allowed',
    ],
    [
      'constructor in params',
      { params: { markets: [], constructor: {} } },
      '/params/constructor',
      'the key "constructor" is not allowed',
    ],
    [
      'params nested 2 000 levels',
      { params: { markets: [], deep: nested(2000) } },
      '/params/deep/0/0',
      'nested deeper than 64 levels',
    ],
  ])('refuses %s with 400 naming the path', async (_, body, path, message) => {
    const answer = await trigger(JSON.stringify(body));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.body.error.message).toContain(message);
    expect(answer.body.error.details[0].path.startsWith(path)).toBe(true);
  });

  it('refuses a NUL in a reason, a path id and a query value with 400, never 500', async () => {
    const cancel = await h.call('POST', '/runs/some-run/cancel', { body: { reason: 'because\u0000' } });
    expect([cancel.status, cancel.body.error.message]).toEqual([
      400,
      expect.stringContaining('/reason: string contains the NUL character'),
    ]);
    const path = await h.call('GET', '/pipelines/a%00b');
    expect([path.status, path.body.error.details]).toEqual([
      400,
      [{ path: ':id', message: 'contains the NUL character (\\u0000) at index 1' }],
    ]);
    const query = await h.call('GET', '/runs?pipeline=x%00');
    expect([query.status, query.body.error.details]).toEqual([
      400,
      [{ path: '?pipeline', message: 'contains the NUL character (\\u0000) at index 1' }],
    ]);
  });

  it('refuses a pipeline spec whose YAML builds a NUL (an escape) as an invalid spec, at its path and line', async () => {
    const answer = await h.call('POST', '/pipelines', {
      body: 'id: nul\nstages:\n  - { id: only, executor: noop, with: { s: "a\\0b" } }\n',
      contentType: 'application/yaml',
    });
    expect([answer.status, answer.body.error.code]).toEqual([422, 'invalid_spec']);
    expect(answer.body.error.message).toContain('/stages/0/with/s: string contains the NUL character');
    expect(answer.body.error.details[0]).toMatchObject({ path: '/stages/0/with/s', line: 3 });
  });

  it('refuses a pipeline spec over 1 MiB with 413 naming the limit', async () => {
    const keys = Array.from({ length: 120_000 }, (_, i) => `k${i}: ${i}`).join(', ');
    const answer = await h.call('POST', '/pipelines', {
      body: `id: big\nstages:\n  - { id: only, executor: noop, with: { ${keys} } }\n`,
      contentType: 'application/yaml',
    });
    expect([answer.status, answer.body.error.code]).toEqual([413, 'payload_too_large']);
    expect(answer.body.error.message).toMatch(
      /^pipeline spec is \d+ bytes; at most 1048576 bytes \(1 MiB\) are accepted$/,
    );
  });

  it('a 1.5 MB params body answers 413 naming the limit and its variable (never 503), and nothing is published', async () => {
    const params = { markets: ['x'.repeat(1_500_000)] };
    const answer = await trigger(JSON.stringify({ params }));
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('payload_too_large');
    expect(answer.body.error.message).toMatch(
      /^params are 1500\d+ bytes \(1464\.\d KiB\); at most 524288 bytes \(512 KiB\) are accepted \(set by TRIBUTARY_MAX_PARAMS_BYTES\)$/,
    );
  });

  it('a body over 4 MiB answers 413 to a client still uploading it (the rest is read and dropped, no EPIPE)', async () => {
    const huge = JSON.stringify({ params: { markets: ['y'.repeat(5 * 1024 * 1024)] } });
    const answer = await trigger(huge);
    expect([answer.status, answer.body.error.code]).toEqual([413, 'payload_too_large']);
    expect(answer.body.error.message).toContain('at most 4194304 bytes (4 MiB) are accepted');
  });

  it('a client streaming more than 4 MiB gets the 413 once it is done, not a reset connection', async () => {
    const url = new URL(`${h.api.url}/api/v1/pipelines/shipping/runs`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            'content-type': 'application/json',
          },
        },
        (res) => {
          answered = true;
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      // What matters is that the client reads the answer, not EPIPE mid-upload: an error before the
      // answer fails the test. The client keeps sending its whole body (the api drains it); a socket
      // error after the answer (Node may reset as the last chunk crosses the close) reaches no client.
      let answered = false;
      const failUnlessAnswered = (error: Error) => {
        if (!answered) reject(error);
      };
      req.on('error', failUnlessAnswered);
      req.on('socket', (socket) => socket.on('error', failUnlessAnswered));
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      let sent = 0;
      const write = () => {
        if (req.destroyed) return;
        if (sent >= 6 * 1024 * 1024) return req.end();
        sent += chunk.length;
        req.write(chunk);
        setTimeout(write, 2);
      };
      write();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
  });
  it('a body declared over 4 MiB with Expect: 100-continue is refused before any of it is sent', async () => {
    const url = new URL(`${h.api.url}/api/v1/pipelines/shipping/runs`);
    const seen = await new Promise<{ continued: boolean; status: number; body: string }>(
      (resolve, reject) => {
        let continued = false;
        const req = request(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            'content-type': 'application/json',
            'content-length': String(40 * 1024 * 1024),
            expect: '100-continue',
          },
        });
        req.on('continue', () => (continued = true));
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => {
            req.destroy();
            resolve({ continued, status: res.statusCode!, body });
          });
        });
        req.on('error', reject);
      },
    );
    expect([seen.continued, seen.status, JSON.parse(seen.body).error.code]).toEqual([
      false,
      413,
      'payload_too_large',
    ]);
    // A body within the limit is told to continue and is answered as usual.
    const small = JSON.stringify({ params: { markets: ['LU'] } });
    const answer = await new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
      let continued = false;
      const req = request(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(small)),
          expect: '100-continue',
        },
      });
      req.on('continue', () => {
        continued = true;
        req.end(small);
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ continued, status: res.statusCode! }));
      });
      req.on('error', reject);
    });
    expect(answer).toEqual({ continued: true, status: 202 });
  });
});
