import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { executorDurable, streams, subjects } from '@tributary/events';
import { ensureStreams } from '@tributary/messaging';
import { eventually, useTestNats } from '@tributary/testing';
import { ExecutorPresenceCheck } from './executor-presence.js';

describe('executor presence (telling the operator when no host serves an executor)', () => {
  const nats = useTestNats();
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let tasks: string;

  beforeAll(async () => {
    nc = await connect({ servers: nats().url });
    jsm = await jetstreamManager(nc);
    const specs = streams(nats().prefix);
    await ensureStreams(
      jsm,
      Object.values(specs).map((s) => ({ ...s, subjects: [...s.subjects] })),
    );
    tasks = specs.TASKS.name;
  });

  afterAll(async () => {
    await nc?.close();
  });

  it('warns once when no host ever served an executor, once when its hosts are gone, and not while one serves', async () => {
    const warnings: string[] = [];
    let now = 0;
    const check = new ExecutorPresenceCheck(
      jsm,
      tasks,
      (m) => warnings.push(m),
      1_000,
      () => now,
    );

    await check.dispatchedTo(['search']);
    expect(warnings).toEqual([
      'no executor host serves "search": its task instances stay queued until one does ' +
        '(tributary start executor --executors search, with the handler module in --handlers)',
    ]);
    await check.dispatchedTo(['search']); // within the interval: not asked again
    now += 1_000;
    await check.dispatchedTo(['search']); // asked again, same answer: not said again
    expect(warnings).toHaveLength(1);

    // A host starts serving: its consumer exists and it keeps a pull waiting.
    await jsm.consumers.add(tasks, {
      durable_name: executorDurable('search'),
      filter_subject: subjects(nats().prefix).task('search'),
      ack_policy: AckPolicy.Explicit,
    });
    const consumer = await jetstream(nc).consumers.get(tasks, executorDurable('search'));
    const pulling: ConsumerMessages = await consumer.consume();
    void (async () => {
      for await (const msg of pulling) msg.ack();
    })();
    await eventually(async () => expect((await consumer.info()).num_waiting).toBeGreaterThan(0));
    now += 1_000;
    await check.dispatchedTo(['search']);
    expect(warnings).toHaveLength(1);

    // The host stops: the consumer stays, nobody pulls.
    await pulling.close();
    await eventually(async () => expect((await consumer.info()).num_waiting).toBe(0));
    now += 1_000;
    await check.dispatchedTo(['search']);
    expect(warnings.at(-1)).toBe(
      'no executor host is serving "search" right now: its task instances stay queued until one is back',
    );
    expect(warnings).toHaveLength(2);
  });
});
