import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createTestNats, type TestNats } from '@tributary/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsumerProvisioningError, ensureConsumer, MultipleFilterSubjectsError, type ConsumerDefinition } from './consumer-provisioning.js';
import { connectNats } from './nats-connection.js';
import { ensureStreams, StreamProvisioningError, type StreamDefinition } from './stream-provisioning.js';

describe('stream and consumer provisioning (NATS 2.9)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let tasks: StreamDefinition;
  let events: StreamDefinition;
  let consumer: ConsumerDefinition;

  beforeEach(async () => {
    nats = await createTestNats();
    nc = await connectNats({ url: nats.url, name: 'messaging-provisioning-test' });
    jsm = await jetstreamManager(nc);
    const P = nats.prefix.toUpperCase();
    tasks = { name: `${P}_TASKS`, subjects: [`${nats.prefix}.task.>`], retention: 'workqueue', duplicateWindowMs: 60_000 };
    events = { name: `${P}_EVENTS`, subjects: [`${nats.prefix}.event.>`], retention: 'limits', maxAgeMs: 3_600_000 };
    consumer = {
      durable: 'executor-noop',
      filterSubject: `${nats.prefix}.task.noop`,
      ackWaitMs: 30_000,
      maxDeliver: 5,
      maxAckPending: 64,
    };
  });

  afterEach(async () => {
    await nc.drain();
    await nats.cleanup();
  });

  it('creates streams once, then reports them unchanged', async () => {
    const first = await ensureStreams(jsm, [tasks, events]);
    const second = await ensureStreams(jsm, [tasks, events]);

    expect(first.map((s) => s.action)).toEqual(['created', 'created']);
    expect(second.map((s) => s.action)).toEqual(['unchanged', 'unchanged']);
    expect(first[0]!.info.config).toMatchObject({ retention: 'workqueue', duplicate_window: 60_000_000_000 });
  });

  it('updates what may change and refuses what may not', async () => {
    await ensureStreams(jsm, [events]);

    const [updated] = await ensureStreams(jsm, [{ ...events, maxAgeMs: 7_200_000, subjects: [...events.subjects, `${nats.prefix}.audit.>`] }]);
    expect(updated!.action).toBe('updated');
    expect(updated!.info.config.subjects).toEqual([`${nats.prefix}.event.>`, `${nats.prefix}.audit.>`]);

    await expect(ensureStreams(jsm, [{ ...events, retention: 'workqueue' }])).rejects.toThrow(
      /cannot change retention \("limits" → "workqueue"\)/,
    );
    await expect(ensureStreams(jsm, [{ ...events, duplicateWindowMs: 7_200_001, maxAgeMs: 7_200_000 }])).rejects.toBeInstanceOf(
      StreamProvisioningError,
    );
  });

  it('surfaces the server refusal for overlapping subjects', async () => {
    await ensureStreams(jsm, [tasks]);
    await expect(ensureStreams(jsm, [{ ...tasks, name: `${tasks.name}_2` }])).rejects.toThrow(/create refused: subjects overlap/);
  });

  it('creates a consumer once, reports it unchanged, and updates it in place', async () => {
    await ensureStreams(jsm, [tasks]);

    expect((await ensureConsumer(jsm, tasks.name, consumer)).action).toBe('created');
    expect((await ensureConsumer(jsm, tasks.name, consumer)).action).toBe('unchanged');
    const updated = await ensureConsumer(jsm, tasks.name, { ...consumer, maxAckPending: 128 });
    expect(updated.action).toBe('updated');
    expect(updated.info.config.max_ack_pending).toBe(128);
  });

  it('stays idempotent with a backoff, and clears it again', async () => {
    await ensureStreams(jsm, [tasks]);
    const withBackoff = { ...consumer, backoffMs: [1_000, 10_000] };

    expect((await ensureConsumer(jsm, tasks.name, withBackoff)).action).toBe('created');
    expect((await ensureConsumer(jsm, tasks.name, withBackoff)).action).toBe('unchanged');
    const cleared = await ensureConsumer(jsm, tasks.name, consumer);
    expect(cleared.action).toBe('updated');
    expect(cleared.info.config.backoff ?? []).toEqual([]);
    expect(cleared.info.config.ack_wait).toBe(30_000_000_000);
    expect((await ensureConsumer(jsm, tasks.name, consumer)).action).toBe('unchanged');
  });

  it('refuses several filter subjects before touching the server', async () => {
    await ensureStreams(jsm, [tasks]);
    const several = { ...consumer, filterSubjects: [`${nats.prefix}.task.a`, `${nats.prefix}.task.b`] } as never;

    await expect(ensureConsumer(jsm, tasks.name, several)).rejects.toBeInstanceOf(MultipleFilterSubjectsError);
    await expect(jsm.consumers.info(tasks.name, consumer.durable)).rejects.toThrow(/consumer not found/);
  });

  it('explains a second consumer on the same work-queue subject', async () => {
    await ensureStreams(jsm, [tasks]);
    await ensureConsumer(jsm, tasks.name, consumer);

    await expect(ensureConsumer(jsm, tasks.name, { ...consumer, durable: 'executor-noop-2' })).rejects.toThrow(
      /one consumer per subject/,
    );
  });

  it('checks maxDeliver against the backoff steps', async () => {
    await ensureStreams(jsm, [tasks]);
    await expect(ensureConsumer(jsm, tasks.name, { ...consumer, maxDeliver: 2, backoffMs: [100, 200] })).rejects.toThrow(
      ConsumerProvisioningError,
    );
  });
});
