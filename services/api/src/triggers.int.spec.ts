import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { decodeTriggerRun, jsonFromBytes, type TriggerRun } from '@tributary/events';
import { runIdForTrigger } from '@tributary/runtime';
import { runTraceId } from '@tributary/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEC_YAML, startApiHarness, type ApiHarness } from './test-support/api-harness.js';

interface Received {
  trigger: TriggerRun;
  params: unknown;
  msgId: string | undefined;
  traceparent: string | undefined;
  subject: string;
}

describe('api: triggers', () => {
  let h: ApiHarness;
  let nc: NatsConnection;
  let operator: string;

  /** Every message on TRIGGERS so far, read with an ordered consumer of the test's own connection. */
  async function triggersOnStream(): Promise<Received[]> {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(h.api.infra.streams.TRIGGERS.name);
    const pending = (await consumer.info()).num_pending;
    const out: Received[] = [];
    if (pending === 0) return out;
    const messages = await consumer.fetch({ max_messages: pending, expires: 2000 });
    for await (const msg of messages) {
      const decoded = decodeTriggerRun(msg.data);
      if (!decoded.ok) throw decoded.error;
      const params = jsonFromBytes(decoded.value.paramsJson);
      out.push({
        trigger: decoded.value,
        params: params.ok ? params.value : undefined,
        msgId: msg.headers?.get('Nats-Msg-Id'),
        traceparent: msg.headers?.get('traceparent'),
        subject: msg.subject,
      });
      if (out.length === pending) break;
    }
    return out;
  }

  beforeAll(async () => {
    h = await startApiHarness();
    nc = await connect({ servers: h.nats.url });
    operator = await h.tokenFor('operator', 'otto');
    const applied = await h.call('POST', '/pipelines', { body: SPEC_YAML, contentType: 'application/yaml' });
    expect(applied.status).toBe(201);
  });
  afterAll(async () => {
    await nc?.close();
    await h?.close();
  });

  it('publishes a TriggerRun and answers 202 {runId}; the same key names the same run', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['LU', 'PT'] }, idempotencyKey: 'nightly-2024-05-01' },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(202);
    const runId = runIdForTrigger({ pipelineId: 'shipping', idempotencyKey: 'nightly-2024-05-01' });
    expect(res.body).toEqual({ runId });
    expect(res.headers.get('location')).toBe(`/api/v1/runs/${runId}`);

    const again = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['LU', 'PT'] }, idempotencyKey: 'nightly-2024-05-01' },
    });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ runId });

    // No planner here: the accepted run answers at once, queued, from the api's receipt (issue #9).
    const queued = await h.call('GET', `/runs/${runId}`, { token: operator });
    expect(queued.status).toBe(200);
    expect(queued.body.run).toMatchObject({
      id: runId,
      pipeline: 'shipping',
      version: 1,
      state: 'queued',
      params: { markets: ['LU', 'PT'] },
      partial: false,
    });
    expect(queued.body).toMatchObject({ groups: [], stages: [] });
    expect(queued.body.run.instances).toBe(0);
    const receipts = await h.api.infra.db
      .selectFrom('accepted_triggers')
      .select(['run_id', 'actor'])
      .where('run_id', '=', runId)
      .execute();
    expect(receipts).toEqual([{ run_id: runId, actor: 'otto' }]); // the repeated key added no second row

    const received = await triggersOnStream();
    expect(received).toHaveLength(1); // JetStream dropped the repeat by Nats-Msg-Id
    const [message] = received;
    expect(message!.subject).toBe(`${h.nats.prefix}.trigger.shipping`);
    expect(message!.msgId).toBe(`trigger:${runId}`);
    // The run's own trace (the caller's request stays in the caller's trace, linked from the run's).
    expect(message!.traceparent).toMatch(new RegExp(`^00-${runTraceId(runId)}-[0-9a-f]{16}-01$`));
    expect(runTraceId(runId)).not.toBe(traceId);
    expect(message!.params).toEqual({ markets: ['LU', 'PT'] });
    expect(message!.trigger).toMatchObject({
      runId,
      pipelineId: 'shipping',
      pipelineVersion: 1,
      idempotencyKey: 'nightly-2024-05-01',
      actor: 'otto',
    });
    expect(message!.trigger.requestedAt).toBeDefined();
  });

  it('answers 409 naming the run when an idempotency key is reused with other params or another version', async () => {
    const key = 'reused-key';
    const runId = runIdForTrigger({ pipelineId: 'shipping', idempotencyKey: key });
    const first = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['LU'], note: { a: 1, b: 2 } }, idempotencyKey: key },
    });
    expect(first.status).toBe(202);
    // Same params in another key order: the same run, as before.
    const same = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { note: { b: 2, a: 1 }, markets: ['LU'] }, idempotencyKey: key },
    });
    expect(same.status).toBe(202);
    expect(same.body).toEqual({ runId });

    const other = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['PT'] }, idempotencyKey: key },
    });
    expect(other.status).toBe(409);
    expect(other.body).toEqual({
      error: {
        code: 'idempotency_conflict',
        message: expect.stringContaining(
          `idempotency key "${key}" already names run ${runId} (pipeline shipping version 1)`,
        ),
      },
      runId,
    });
    expect(other.body.error.message).toContain('this request asks for different params');

    const otherVersion = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['LU'], note: { a: 1, b: 2 } }, idempotencyKey: key, version: 2 },
    });
    // Version 2 does not exist: 404 comes first; the key check only compares existing versions.
    expect(otherVersion.status).toBe(404);

    // The refused request changed nothing: one receipt, with the first params.
    const receipts = await h.api.infra.db
      .selectFrom('accepted_triggers')
      .select(['params'])
      .where('run_id', '=', runId)
      .execute();
    expect(receipts).toEqual([{ params: { markets: ['LU'], note: { a: 1, b: 2 } } }]);
  });

  it('answers 409 for a key whose run the planner started from NATS (no api receipt) with other params', async () => {
    const key = 'from-nats';
    const runId = runIdForTrigger({ pipelineId: 'shipping', idempotencyKey: key });
    await h.api.infra.db
      .insertInto('runs')
      .values({
        run_id: runId,
        pipeline_id: 'shipping',
        pipeline_version: 1,
        state: 'running',
        params: JSON.stringify({ markets: ['GR'] }),
        idempotency_key: key,
      })
      .execute();
    const other = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['LU'] }, idempotencyKey: key },
    });
    expect(other.status).toBe(409);
    expect(other.body.runId).toBe(runId);
    const same = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['GR'] }, idempotencyKey: key },
    });
    expect(same.status).toBe(202);
    expect(same.body).toEqual({ runId });
  });

  it('answers 422 with /params paths for params the schema refuses, and still publishes the trigger', async () => {
    const before = (await triggersOnStream()).length;
    const res = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['LU', 7] }, idempotencyKey: 'bad-one' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_params');
    expect(res.body.error.details).toEqual([{ path: '/params/markets/1', message: expect.any(String) }]);
    const runId = runIdForTrigger({ pipelineId: 'shipping', idempotencyKey: 'bad-one' });
    expect(res.body.runId).toBe(runId);

    const missing = await h.call('POST', '/pipelines/shipping/runs', { token: operator, body: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details[0].path).toMatch(/^\/params/);

    const received = await triggersOnStream();
    expect(received).toHaveLength(before + 2);
    expect(received[before]!.trigger.runId).toBe(runId);
    expect(received[before]!.params).toEqual({ markets: ['LU', 7] });
  });

  it('gives random run ids without a key, and 404 for an unknown pipeline or version', async () => {
    const a = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['GR'] } },
    });
    const b = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['GR'] } },
    });
    expect(a.status).toBe(202);
    expect(a.body.runId).not.toBe(b.body.runId);

    const unknown = await h.call('POST', '/pipelines/nope/runs', { token: operator, body: { params: {} } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const version = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['GR'] }, version: 5 },
    });
    expect(version.status).toBe(404);
  });

  it('refuses malformed bodies with 400 and publishes nothing', async () => {
    const before = (await triggersOnStream()).length;
    const unknownField = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['LU'] }, idempotencykey: 'typo' },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.details).toEqual([
      { path: '/idempotencykey', message: expect.stringContaining('unknown field') },
    ]);
    const badKey = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: { params: { markets: ['LU'] }, idempotencyKey: 42 },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.details[0]).toEqual({
      path: '/idempotencyKey',
      message: 'must be a string, got number 42',
    });
    const notJson = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: '{"params": ',
    });
    expect(notJson.status).toBe(400);
    const wrongType = await h.call('POST', '/pipelines/shipping/runs', {
      token: operator,
      body: 'params=1',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(wrongType.status).toBe(415);
    expect((await triggersOnStream()).length).toBe(before);
  });
});
