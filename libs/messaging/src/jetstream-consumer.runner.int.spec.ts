import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { initTelemetry, traceIdOf, withSpan, type Telemetry } from '@tributary/telemetry';
import { createTestNats, type TestNats } from '@tributary/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureConsumer, type ConsumerDefinition } from './consumer-provisioning.js';
import type { DeadLetterEvent } from './dead-letter-advisory.js';
import type { ConsumerRunnerOptions } from './consumer-runner.options.js';
import { JetStreamConsumerRunner } from './jetstream-consumer.runner.js';
import { Outcome } from './message-outcome.js';
import { connectNats } from './nats-connection.js';
import { PoisonMessageError } from './poison-message.error.js';
import { publish } from './publish.js';
import { ensureStreams } from './stream-provisioning.js';

const text = (msg: JsMsg) => new TextDecoder().decode(msg.data);
const bytes = (value: string) => new TextEncoder().encode(value);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

describe('JetStreamConsumerRunner (NATS 2.9)', () => {
  let telemetry: Telemetry;
  const spans = new InMemorySpanExporter();
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let stream: string;
  let subject: string;
  let consumer: ConsumerDefinition;
  const runners: JetStreamConsumerRunner<unknown>[] = [];

  beforeAll(() => {
    telemetry = initTelemetry({ serviceName: 'messaging-runner-test', env: {}, spanProcessors: [new SimpleSpanProcessor(spans)] });
  });
  afterAll(() => telemetry.shutdown());

  beforeEach(async () => {
    nats = await createTestNats();
    nc = await connectNats({ url: nats.url, name: 'messaging-runner-test' });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    stream = `${nats.prefix.toUpperCase()}_TASKS`;
    subject = `${nats.prefix}.task.echo`;
    consumer = { durable: 'echo', filterSubject: subject, ackWaitMs: 2_000, maxDeliver: 5, maxAckPending: 100 };
    await ensureStreams(jsm, [{ name: stream, subjects: [`${nats.prefix}.task.>`], retention: 'workqueue' }]);
    await ensureConsumer(jsm, stream, consumer);
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await nc.drain();
    await nats.cleanup();
  });

  function run<T>(options: Omit<ConsumerRunnerOptions<T>, 'nc' | 'stream' | 'durable'>): JetStreamConsumerRunner<T> {
    const runner = new JetStreamConsumerRunner<T>({ nc, stream, durable: consumer.durable, onError: () => {}, ...options } as ConsumerRunnerOptions<T>);
    runners.push(runner as JetStreamConsumerRunner<unknown>);
    return runner;
  }

  async function send(n: number, prefix = 'm'): Promise<void> {
    for (let i = 0; i < n; i++) await publish(js, subject, bytes(`${prefix}${i}`), { msgId: `${prefix}-${i}` });
  }

  async function pendingOnConsumer() {
    const info = await jsm.consumers.info(stream, consumer.durable);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  }

  it('handles every message with bounded concurrency and acks it', async () => {
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    const runner = run({
      concurrency: 4,
      handle: async (d) => {
        peak = Math.max(peak, ++running);
        await sleep(10);
        seen.push(text(d.msg));
        running--;
      },
    });
    await runner.start();
    await send(30);

    await eventually(() => expect(seen).toHaveLength(30));
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
    await eventually(async () => expect(await pendingOnConsumer()).toEqual({ pending: 0, ackPending: 0, redelivered: 0 }));
    expect(runner.stats).toEqual({ acked: 30, naked: 0, termed: 0 });
  });

  it('redelivers after a failing handler, with the nak delay', async () => {
    const deliveries: { count: number; at: number }[] = [];
    const runner = run({
      retryBackoffMs: [300],
      handle: (d) => {
        deliveries.push({ count: d.deliveryCount, at: Date.now() });
        if (d.deliveryCount === 1) throw new Error('flaky downstream');
      },
    });
    await runner.start();
    await send(1);

    await eventually(() => expect(deliveries.map((d) => d.count)).toEqual([1, 2]));
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(250);
    await eventually(async () => expect((await pendingOnConsumer()).ackPending).toBe(0));
    expect(runner.stats).toMatchObject({ acked: 1, naked: 1 });
  });

  it('terms poison once and reports it: undecodable payloads, PoisonMessageError and Outcome.term', async () => {
    await ensureConsumer(jsm, stream, { ...consumer, ackWaitMs: 300 });
    const poison: { payload: string; reason: string }[] = [];
    const handled: string[] = [];
    const runner = run<string>({
      decode: (msg) => {
        const value = text(msg);
        if (value.startsWith('garbage')) throw new SyntaxError('not a DispatchBatch');
        return value;
      },
      handle: (d) => {
        handled.push(d.payload);
        if (d.payload === 'invalid') throw new PoisonMessageError('unknown executor');
        if (d.payload === 'refused') return Outcome.term('refused by handler');
      },
      onPoison: (msg, reason) => {
        poison.push({ payload: text(msg), reason });
      },
    });
    await runner.start();
    for (const value of ['garbage', 'invalid', 'refused', 'fine']) await publish(js, subject, bytes(value), { msgId: value });

    await eventually(() => expect(poison).toHaveLength(3));
    await sleep(900); // three ack waits: a redelivery would show up by now
    expect(poison).toEqual([
      { payload: 'garbage', reason: 'undecodable payload: not a DispatchBatch' },
      { payload: 'invalid', reason: 'unknown executor' },
      { payload: 'refused', reason: 'refused by handler' },
    ]);
    expect(handled).toEqual(['invalid', 'refused', 'fine']);
    expect(runner.stats).toEqual({ acked: 1, naked: 0, termed: 3 });
    expect((await jsm.streams.info(stream)).state.messages).toBe(0);
  });

  it('runs the handler in a span that continues the publisher’s trace', async () => {
    let handlerTraceId: string | undefined;
    let deliveryTraceId: string | undefined;
    const runner = run({
      handle: (d) => {
        handlerTraceId = traceIdOf();
        deliveryTraceId = traceIdOf(d.traceContext);
      },
    });
    await runner.start();
    const publisherTraceId = await withSpan('api.trigger', {}, async () => {
      await publish(js, subject, bytes('traced'), { msgId: 'traced' });
      return traceIdOf();
    });

    await eventually(() => expect(handlerTraceId).toBeDefined());
    expect(handlerTraceId).toBe(publisherTraceId);
    expect(deliveryTraceId).toBe(publisherTraceId);
    const finished = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === publisherTraceId);
    const producer = finished.find((s) => s.name === `publish ${subject}`)!;
    const processing = finished.find((s) => s.name === `consumer.process ${subject}`)!;
    expect(processing.kind).toBe(SpanKind.CONSUMER);
    expect(processing.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(processing.attributes).toMatchObject({ 'messaging.message.id': 'traced', 'tributary.outcome': 'ack' });
  });

  it('stop() waits for the in-flight handler and its ack', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    let finished = false;
    const runner = run({
      handle: async () => {
        started = true;
        await gate;
        finished = true;
      },
    });
    await runner.start();
    await send(1);
    await eventually(() => expect(started).toBe(true));

    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await sleep(200);
    expect(stopped).toBe(false);
    release();
    await stopping;

    expect(finished).toBe(true);
    await nc.flush();
    await eventually(async () => expect(await pendingOnConsumer()).toEqual({ pending: 0, ackPending: 0, redelivered: 0 }));
  });

  it('hands up to batchSize received messages to a batch handler, with one outcome each', async () => {
    const batches: string[][] = [];
    await send(50);
    const runner = run({
      batchSize: 20,
      handleBatch: async (deliveries) => {
        batches.push(deliveries.map((d) => text(d.msg)));
        await sleep(20);
        return deliveries.map((d) => (text(d.msg) === 'm7' ? Outcome.term('bad row') : Outcome.ack()));
      },
    });
    await runner.start();

    await eventually(() => expect(batches.flat()).toHaveLength(50));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(20);
    expect(Math.max(...batches.map((b) => b.length))).toBeGreaterThan(1);
    await eventually(() => expect(runner.stats).toEqual({ acked: 49, naked: 0, termed: 1 }));
  });

  it('reports a message the server gave up on after maxDeliver (dead letter)', async () => {
    // Handlers that never settle in time (a hung host): every delivery's ack wait runs out.
    await ensureConsumer(jsm, stream, { ...consumer, maxDeliver: 2, ackWaitMs: 300 });
    const dead: DeadLetterEvent[] = [];
    const attempts: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runner = run({
      handle: async (d) => {
        attempts.push(d.deliveryCount);
        await gate;
        return Outcome.nak();
      },
      onDeadLetter: (event) => {
        dead.push(event);
      },
    });
    await runner.start();
    await send(1, 'doomed');

    try {
      await eventually(() => expect(dead).toHaveLength(1));
      expect(attempts).toEqual([1, 2]);
      expect(dead[0]).toMatchObject({ stream, consumer: 'echo', streamSequence: 1, deliveries: 2 });
      expect(new TextDecoder().decode(dead[0]!.message!.data)).toBe('doomed0');
      expect(await dead[0]!.remove()).toBe(true);
      expect((await jsm.streams.info(stream)).state.messages).toBe(0);
    } finally {
      release();
    }
  });

  it('terms a message whose handler fails for good, or fails on its last allowed delivery, and reports it to onPoison', async () => {
    await ensureConsumer(jsm, stream, { ...consumer, maxDeliver: 2 });
    const poison: { payload: string; reason: string; error: unknown }[] = [];
    const attempts: string[] = [];
    const runner = run<string>({
      retryBackoffMs: [50],
      decode: text,
      handle: (d) => {
        attempts.push(`${d.payload}#${d.deliveryCount}`);
        if (d.payload === 'permanent') throw Object.assign(new Error('no such pipeline'), { retryable: false });
        if (d.payload === 'flaky') throw new Error('always fails');
      },
      onPoison: (msg, reason, error) => {
        poison.push({ payload: text(msg), reason, error });
      },
    });
    await runner.start();
    for (const value of ['permanent', 'flaky', 'fine']) await publish(js, subject, bytes(value), { msgId: value });

    await eventually(() => expect(poison).toHaveLength(2));
    expect(poison.map(({ payload, reason }) => ({ payload, reason }))).toEqual([
      { payload: 'permanent', reason: 'handler failed for good (not retryable) on delivery 1: Error: no such pipeline' },
      { payload: 'flaky', reason: 'handler failed on the last allowed delivery (2 of max_deliver 2): Error: always fails' },
    ]);
    expect(poison[0]!.error).toBeInstanceOf(Error);
    expect(attempts.sort()).toEqual(['fine#1', 'flaky#1', 'flaky#2', 'permanent#1']);
    await eventually(async () => expect(runner.stats).toEqual({ acked: 1, naked: 1, termed: 2 }));
    expect((await jsm.streams.info(stream)).state.messages).toBe(0);
  });

  it('terms the messages of a failed batch that were on their last delivery, naks the others', async () => {
    await ensureConsumer(jsm, stream, { ...consumer, maxDeliver: 2 });
    const poison: string[] = [];
    let calls = 0;
    const runner = run({
      batchSize: 10,
      retryBackoffMs: [50],
      handleBatch: () => {
        calls++;
        throw new Error('database down');
      },
      onPoison: (msg, reason) => {
        poison.push(`${text(msg)}: ${reason}`);
      },
    });
    await send(3, 'row');
    await runner.start();

    await eventually(() => expect(poison).toHaveLength(3));
    expect(poison.sort()).toEqual(
      [0, 1, 2].map((i) => `row${i}: handler failed on the last allowed delivery (2 of max_deliver 2): Error: database down`),
    );
    expect(calls).toBeGreaterThanOrEqual(2);
    expect((await jsm.streams.info(stream)).state.messages).toBe(0);
  });
});
