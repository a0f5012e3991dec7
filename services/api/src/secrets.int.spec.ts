import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';

const SPEC = `
id: with-secret
params:
  type: object
  required: [market]
  properties:
    token: { type: string, minLength: 10, x-secret: true }
    market: { type: string }
stages:
  - id: call
    executor: noop
`;
const TOKEN = `tok-${randomBytes(8).toString('hex')}`;

async function triggerMessages(h: ApiHarness): Promise<number> {
  const nc = await connect({ servers: h.nats.url });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(h.api.infra.streams.TRIGGERS.name);
    return info.state.messages;
  } finally {
    await nc.close();
  }
}

async function receipts(h: ApiHarness): Promise<string[]> {
  const rows = await h.api.infra.db.selectFrom('accepted_triggers').select('params').execute();
  return rows.map((row) => JSON.stringify(row.params));
}

/** Starts a harness with `TRIBUTARY_SECRETS_KEY` set to `key` (or unset) while the api module loads it. */
async function harnessWithKey(key: string | undefined): Promise<ApiHarness> {
  const saved = process.env.TRIBUTARY_SECRETS_KEY;
  if (key === undefined) delete process.env.TRIBUTARY_SECRETS_KEY;
  else process.env.TRIBUTARY_SECRETS_KEY = key;
  try {
    const h = await startApiHarness();
    const applied = await h.call('POST', '/pipelines', { body: SPEC, contentType: 'application/yaml' });
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    return h;
  } finally {
    if (saved === undefined) delete process.env.TRIBUTARY_SECRETS_KEY;
    else process.env.TRIBUTARY_SECRETS_KEY = saved;
  }
}

describe('api: secret params without a secrets key', () => {
  let h: ApiHarness;
  beforeAll(async () => (h = await harnessWithKey(undefined)));
  afterAll(async () => h?.close());

  it('answers 503 naming the secret param and the variables, and stores and publishes nothing', async () => {
    const res = await h.call('POST', '/pipelines/with-secret/runs', {
      body: { params: { token: TOKEN, market: 'LU' } },
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('secrets_key_missing');
    expect(res.body.error.message).toContain('/params/token');
    expect(res.body.error.message).toContain('TRIBUTARY_SECRETS_KEY');
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    expect(await receipts(h)).toEqual([]);
    expect(await triggerMessages(h)).toBe(0);
  });

  it('still takes a trigger that leaves the (optional) secret out', async () => {
    const res = await h.call('POST', '/pipelines/with-secret/runs', { body: { params: { market: 'LU' } } });
    expect(res.status).toBe(202);
  });
});

describe('api: secret params with a secrets key', () => {
  let h: ApiHarness;
  beforeAll(async () => (h = await harnessWithKey(randomBytes(32).toString('base64'))));
  afterAll(async () => h?.close());

  it('stores and publishes the secret encrypted and answers its redacted form', async () => {
    const res = await h.call('POST', '/pipelines/with-secret/runs', {
      body: { params: { token: TOKEN, market: 'LU' } },
    });
    expect(res.status).toBe(202);
    const [stored] = await receipts(h);
    expect(stored).not.toContain(TOKEN);
    expect(JSON.parse(stored!).token.$secret).toMatchObject({ v: 1, ct: expect.any(String) });
    const view = await h.call('GET', `/runs/${res.body.runId}`);
    expect(view.body.run.params).toEqual({ token: { $secret: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }, market: 'LU' });
    expect(await triggerMessages(h)).toBe(1);
  });

  it('checks the clear value against the schema (422) and records the refused trigger encrypted', async () => {
    const short = 'short';
    const res = await h.call('POST', '/pipelines/with-secret/runs', {
      body: { params: { token: short, market: 'LU' }, idempotencyKey: 'short-token' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([
      { path: '/params/token', message: 'must NOT have fewer than 10 characters' },
    ]);
    expect((await receipts(h)).some((text) => text.includes('"short"'))).toBe(false);
  });

  it('compares a repeated idempotency key by clear values: same secret, same run; another secret, 409', async () => {
    const body = (token: string) => ({ params: { token, market: 'LU' }, idempotencyKey: 'nightly' });
    const first = await h.call('POST', '/pipelines/with-secret/runs', { body: body(TOKEN) });
    expect(first.status).toBe(202);
    const again = await h.call('POST', '/pipelines/with-secret/runs', { body: body(TOKEN) });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.runId).toBe(first.body.runId);
    const other = await h.call('POST', '/pipelines/with-secret/runs', { body: body(`${TOKEN}-other`) });
    expect(other.status).toBe(409);
    expect(JSON.stringify(other.body)).not.toContain(TOKEN);
  });

  it('refuses a "$secret" marker sent by a client (400, naming where)', async () => {
    const res = await h.call('POST', '/pipelines/with-secret/runs', {
      body: { params: { token: { $secret: { v: 1, kid: 'x' } }, market: 'LU' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('/params/token');
  });
});
