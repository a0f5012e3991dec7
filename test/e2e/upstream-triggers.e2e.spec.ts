import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { randomBytes } from 'node:crypto';
import { waitFor } from '../support/free-port.js';
import { TributarySystem } from '../support/tributary-system.js';

// The NATS server is shared: upstream subjects get a token of their own.
const UP = `up${randomBytes(4).toString('hex')}`;
const SUBJECT = `${UP}.catalog.updated`;

const CATALOG = `
id: catalog
params:
  type: object
  required: [sku, rev]
  properties: { sku: { type: string, minLength: 2 }, rev: { type: number } }
on:
  - subject: ${SUBJECT}
    when: event.kind == "product"
    params: '{"sku": event.sku, "rev": event.rev, "source": "X-Source" in headers ? headers["X-Source"] : "unknown"}'
    idempotencyKey: 'event.sku + "@" + string(int(event.rev))'
stages:
  - { id: show, executor: echo, with: { value: "\${{ params.sku }}" } }
`;

describe('runs from upstream events (issue #9 item 1)', () => {
  let system: TributarySystem;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let rejected: Subscription;
  const notices: Record<string, unknown>[] = [];
  const managed = () => `${system.prefix.toUpperCase().replaceAll('.', '_')}_UPSTREAM`;

  const runsOf = (pipelineId: string) =>
    system.db
      .selectFrom('runs')
      .select(['run_id', 'state', 'idempotency_key', 'reason', 'params'])
      .where('pipeline_id', '=', pipelineId)
      .execute();

  /** The durable consumer of a pipeline's on: entry on a stream, once the planner created it. */
  const consumerOf = (stream: string, pipelineId: string) =>
    waitFor(
      `the planner's upstream consumer of ${pipelineId} on ${stream}`,
      async () => {
        for await (const info of jsm.consumers.list(stream)) {
          if (info.name.startsWith(`upstream-${pipelineId}-`)) return info.name;
        }
        return undefined;
      },
      30_000,
      100,
    );

  /** Waits until the consumer acked everything up to `seq` (the planner settled those messages). */
  const settled = (stream: string, durable: string, seq: number) =>
    waitFor(
      `${durable} to settle stream sequence ${seq}`,
      async () => {
        system.assertRunning();
        const info = await jsm.consumers.info(stream, durable);
        return info.ack_floor.stream_seq >= seq && info.num_ack_pending === 0 && info.num_pending === 0;
      },
      60_000,
      100,
    );

  const publish = async (data: string | object, extra?: Record<string, string>) => {
    const hdrs = extra ? headers() : undefined;
    for (const [k, v] of Object.entries(extra ?? {})) hdrs!.set(k, v);
    const ack = await js.publish(SUBJECT, typeof data === 'string' ? data : JSON.stringify(data), {
      ...(hdrs ? { headers: hdrs } : {}),
    });
    return ack.seq;
  };

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['echo', 'noop'] }],
      handlers: [],
    });
    nc = await connect({ servers: system.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    rejected = nc.subscribe(`${system.prefix}.trigger.rejected.catalog`, {
      callback: (_e, msg) => {
        notices.push(msg.json());
      },
    });
    // Applied while the planner runs: it starts consuming without a restart.
    await system.applyPipeline(CATALOG);
  }, 120_000);

  afterAll(async () => {
    rejected?.unsubscribe();
    await nc?.close();
    await system?.stop();
  }, 60_000);

  it('an upstream JSON event on its own subject starts a run with params from CEL; when false starts none', async () => {
    const durable = await consumerOf(managed(), 'catalog');
    // As an upstream system would: plain core NATS publish of its own JSON.
    const h = headers();
    h.set('X-Source', 'pim');
    nc.publish(SUBJECT, JSON.stringify({ kind: 'product', sku: 'A-1', rev: 1, extra: { ignored: true } }), {
      headers: h,
    });
    const run = await waitFor('the run of A-1', async () =>
      (await runsOf('catalog')).find((r) => r.idempotency_key === 'A-1@1'),
    );
    const view = await system.waitForRun(run.run_id, 60_000);
    expect(view.run.state, system.logs()).toBe('success');
    expect(view.run.params).toEqual({ sku: 'A-1', rev: 1, source: 'pim' });
    expect(view.tasks.find((t: { taskId: string }) => t.taskId === 'show').output).toBe('A-1');
    const accepted = await system.db
      .selectFrom('event_log')
      .select(['type', 'actor'])
      .where('run_id', '=', run.run_id)
      .where('type', '=', 'TriggerAccepted')
      .execute();
    expect(accepted).toEqual([{ type: 'TriggerAccepted', actor: `upstream:${SUBJECT}` }]);

    // when: false — the message is settled (acked) and no run exists for it.
    const seq = await publish({ kind: 'price', sku: 'A-1', rev: 2 }, { 'X-Source': 'pim' });
    await settled(managed(), durable, seq);
    expect((await runsOf('catalog')).map((r) => r.idempotency_key)).toEqual(['A-1@1']);
  }, 120_000);

  it('50 identical events at the same instant with one key start exactly one run', async () => {
    const durable = await consumerOf(managed(), 'catalog');
    const body = JSON.stringify({ kind: 'product', sku: 'B-2', rev: 7 });
    const acks = await Promise.all(Array.from({ length: 50 }, () => js.publish(SUBJECT, body)));
    expect(new Set(acks.map((a) => a.seq)).size).toBe(50); // 50 distinct messages in the stream
    await settled(managed(), durable, Math.max(...acks.map((a) => a.seq)));
    // Acked once on TRIGGERS; the planner takes the trigger from there, so the run row may come later.
    const runsOfKey = async () => (await runsOf('catalog')).filter((r) => r.idempotency_key === 'B-2@7');
    await waitFor('the run of key B-2@7', async () => (await runsOfKey()).length > 0);
    const runs = await runsOfKey();
    expect(runs).toHaveLength(1);
    const view = await system.waitForRun(runs[0]!.run_id, 60_000);
    expect(view.run.state).toBe('success');
    const starts = await system.db
      .selectFrom('event_log')
      .select('run_id')
      .where('type', '=', 'TriggerAccepted')
      .where('run_id', '=', runs[0]!.run_id)
      .execute();
    expect(starts).toHaveLength(1);
  }, 120_000);

  it('a planner killed and restarted between two events loses neither', async () => {
    await publish({ kind: 'product', sku: 'C-3', rev: 1 });
    await waitFor('the run of C-3', async () =>
      (await runsOf('catalog')).find((r) => r.idempotency_key === 'C-3@1'),
    );
    await system.kill('planner');
    // Published while no planner runs: the stream keeps it for the durable consumer.
    await publish({ kind: 'product', sku: 'D-4', rev: 1 });
    system.restart('planner');
    const run = await waitFor(
      'the run of D-4 after the restart',
      async () => (await runsOf('catalog')).find((r) => r.idempotency_key === 'D-4@1'),
      90_000,
      100,
    );
    expect((await system.waitForRun(run.run_id, 60_000)).run.state).toBe('success');
    const keys = (await runsOf('catalog')).map((r) => r.idempotency_key).sort();
    expect(keys).toEqual(['A-1@1', 'B-2@7', 'C-3@1', 'D-4@1']);
  }, 180_000);

  it('bad JSON, params failing the schema and a CEL error are recorded with the reason and announced', async () => {
    const durable = await consumerOf(managed(), 'catalog');
    const before = notices.length;
    const badJson = await publish('{"kind": "product", "sku": ');
    const badParams = await publish({ kind: 'product', sku: 'X', rev: 1 });
    const celError = await publish({ kind: 'product', rev: 1 });
    await settled(managed(), durable, celError);
    const fresh = await waitFor('three rejection notices', () =>
      notices.length - before >= 3 ? notices.slice(before) : undefined,
    );
    const bySeq = new Map(fresh.map((n) => [n['sequence'], n]));
    expect(bySeq.get(badJson)).toMatchObject({
      pipeline: 'catalog',
      subject: SUBJECT,
      stream: managed(),
      actor: `upstream:${SUBJECT}`,
      path: '/event',
      reason: expect.stringContaining('the payload is not JSON'),
      payload: '{"kind": "product", "sku": ',
    });
    expect(bySeq.get(badParams)).toMatchObject({
      path: '/params/sku',
      idempotencyKey: 'X@1',
      reason: expect.stringContaining('params do not match the params schema of catalog'),
    });
    expect(bySeq.get(celError)).toMatchObject({
      path: '/on/0/params',
      reason: expect.stringMatching(/params failed: .*sku/),
    });
    // Each recorded in the event log with its actor and reason, and visible as a rejected run.
    for (const notice of fresh) {
      const rows = await system.db
        .selectFrom('event_log')
        .select(['type', 'actor', 'payload'])
        .where('run_id', '=', notice['runId'] as string)
        .execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ type: 'TriggerRejected', actor: `upstream:${SUBJECT}` });
      expect(JSON.stringify(rows[0]!.payload)).toContain(`sequence ${notice['sequence'] as number}`);
      const run = (await runsOf('catalog')).find((r) => r.run_id === notice['runId']);
      expect(run).toMatchObject({ state: 'rejected', reason: notice['reason'] });
    }
  }, 120_000);

  it('binds to a stream the pipeline names; without idempotencyKey every message is its own run', async () => {
    const stream = `${system.prefix.toUpperCase().replaceAll('.', '_')}_CATALOG`;
    await jsm.streams.add({ name: stream, subjects: [`${UP}.named.>`] });
    await js.publish(`${UP}.named.old`, JSON.stringify({ sku: 'OLD', rev: 0 })); // before the apply: starts nothing
    await system.applyPipeline(`
id: catalog-named
on: [{ subject: "${UP}.named.>", stream: ${stream} }]
stages: [{ id: a, executor: noop }]
`);
    const durable = await consumerOf(stream, 'catalog-named');
    const first = await js.publish(`${UP}.named.x`, JSON.stringify({ sku: 'N-1' }));
    const again = await js.publish(`${UP}.named.x`, JSON.stringify({ sku: 'N-1' }));
    await settled(stream, durable, again.seq);
    const runs = await waitFor('two runs of catalog-named', async () => {
      const rows = await runsOf('catalog-named');
      return rows.length >= 2 ? rows : undefined;
    });
    expect(runs.map((r) => r.idempotency_key).sort()).toEqual([
      `${stream}:${first.seq}`,
      `${stream}:${again.seq}`,
    ]);
    expect(runs.map((r) => r.params)).toEqual([{ sku: 'N-1' }, { sku: 'N-1' }]);
    // The managed stream was not touched for a subject the pipeline's own stream captures.
    expect((await jsm.streams.info(managed())).config.subjects).toEqual([SUBJECT]);
  }, 120_000);

  it('apply captures the subject at once (an event published right after apply starts a run) and refuses Tributary’s own subjects', async () => {
    const refused = await system.api.post(
      '/pipelines',
      `id: loop\non: [{ subject: "${system.prefix}.trigger.x" }]\nstages: [{ id: a, executor: noop }]\n`,
      { contentType: 'application/yaml' },
    );
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('/on/0/subject');
    expect(JSON.stringify(refused.body)).toContain("overlaps Tributary's own subjects");

    await system.applyPipeline(`
id: catalog-fast
on: [{ subject: "${UP}.fast", idempotencyKey: "event.id" }]
stages: [{ id: a, executor: noop }]
`);
    // No wait for the planner: a JetStream publish fails when no stream captures the subject.
    const ack = await js.publish(`${UP}.fast`, JSON.stringify({ id: 'f-1' }));
    expect(ack.stream).toBe(managed());
    const run = await waitFor('the run of f-1', async () =>
      (await runsOf('catalog-fast')).find((r) => r.idempotency_key === 'f-1'),
    );
    expect((await system.waitForRun(run.run_id, 60_000)).run.state).toBe('success');
    expect((await jsm.streams.info(managed())).config.subjects).toEqual([SUBJECT, `${UP}.fast`]);

    // A new version changes the key in place (same consumer), once the planner has seen it (≤ 1 s).
    const durable = await consumerOf(managed(), 'catalog-fast');
    await system.applyPipeline(`
id: catalog-fast
on: [{ subject: "${UP}.fast", idempotencyKey: '"v2-" + event.id' }]
stages: [{ id: a, executor: noop }]
`);
    let n = 0;
    await waitFor(
      'an event keyed by version 2',
      async () => {
        const { seq } = await js.publish(`${UP}.fast`, JSON.stringify({ id: `g-${++n}` }));
        await settled(managed(), durable, seq);
        return (await runsOf('catalog-fast')).some((r) => r.idempotency_key === `v2-g-${n}`);
      },
      30_000,
      200,
    );
    expect(await consumerOf(managed(), 'catalog-fast')).toBe(durable);

    // A version without on: deletes the consumer; the stream keeps its subject.
    await system.applyPipeline(`
id: catalog-fast
stages: [{ id: a, executor: noop }]
`);
    await waitFor(
      'the consumer of catalog-fast to be deleted',
      async () => {
        for await (const info of jsm.consumers.list(managed())) if (info.name === durable) return false;
        return true;
      },
      30_000,
      100,
    );
    expect((await jsm.streams.info(managed())).config.subjects).toContain(`${UP}.fast`);
  }, 120_000);
});
