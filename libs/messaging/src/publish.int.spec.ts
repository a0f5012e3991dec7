import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { initTelemetry, traceIdOf, withSpan, type Telemetry } from '@tributary/telemetry';
import { createTestNats, type TestNats } from '@tributary/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MSG_ID_HEADER, traceContextOfMessage } from './message-headers.js';
import { connectNats } from './nats-connection.js';
import { publish, PublishError, publishMany, type OutgoingMessage } from './publish.js';
import { ensureStreams } from './stream-provisioning.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('publish (NATS 2.9)', () => {
  let telemetry: Telemetry;
  const spans = new InMemorySpanExporter();
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let stream: string;
  let subject: (suffix: string) => string;

  beforeAll(() => {
    telemetry = initTelemetry({ serviceName: 'messaging-publish-test', env: {}, spanProcessors: [new SimpleSpanProcessor(spans)] });
  });
  afterAll(() => telemetry.shutdown());

  beforeEach(async () => {
    nats = await createTestNats();
    nc = await connectNats({ url: nats.url, name: 'messaging-publish-test' });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    stream = `${nats.prefix.toUpperCase()}_EVENTS`;
    subject = (suffix) => `${nats.prefix}.event.${suffix}`;
    await ensureStreams(jsm, [{ name: stream, subjects: [`${nats.prefix}.event.>`], retention: 'limits', duplicateWindowMs: 60_000 }]);
  });

  afterEach(async () => {
    await nc.drain();
    await nats.cleanup();
  });

  it('stores a message once per Nats-Msg-Id', async () => {
    const first = await publish(js, subject('run1.started'), bytes('a'), { msgId: 'evt-1' });
    const second = await publish(js, subject('run1.started'), bytes('a'), { msgId: 'evt-1' });

    expect(first).toEqual({ stream, seq: 1, duplicate: false });
    expect(second).toEqual({ stream, seq: 1, duplicate: true });
    expect((await jsm.streams.info(stream)).state.messages).toBe(1);
  });

  it('sends Nats-Msg-Id and the traceparent of the active trace', async () => {
    const rootTraceId = await withSpan('outbox.relay', {}, async () => {
      await publish(js, subject('run1.started'), bytes('a'), { msgId: 'evt-2', headers: { 'Tributary-Run-Id': 'run1' } });
      return traceIdOf();
    });

    const stored = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(stored!.header.get(MSG_ID_HEADER)).toBe('evt-2');
    expect(stored!.header.get('Tributary-Run-Id')).toBe('run1');
    expect(traceIdOf(traceContextOfMessage({ headers: stored!.header }))).toBe(rootTraceId);
    const publishSpan = spans.getFinishedSpans().find((s) => s.name === `publish ${subject('run1.started')}`);
    expect(publishSpan?.spanContext().traceId).toBe(rootTraceId);
  });

  it('continues the trace it is given (e.g. the one recorded with an outbox row)', async () => {
    const recorded = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
    });
    await publish(js, subject('run1.done'), bytes('b'), { msgId: 'evt-3', traceContext: recorded });

    const stored = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(traceIdOf(traceContextOfMessage({ headers: stored!.header }))).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('fails retryably when no stream captures the subject', async () => {
    const error = await publish(js, `${nats.prefix}.nowhere`, bytes('x'), { msgId: 'x', timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ retryable: true, subject: `${nats.prefix}.nowhere`, msgId: 'x' });
  });

  it('publishMany settles every message in order, flags duplicates and failures, and keeps each trace', async () => {
    const recorded = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    const messages: OutgoingMessage[] = [
      ...Array.from({ length: 500 }, (_, i) => ({ subject: subject(`r.${i % 7}`), payload: bytes(`m${i}`), msgId: `m-${i}` })),
      { subject: subject('r.0'), payload: bytes('again'), msgId: 'm-0' },
      { subject: `${nats.prefix}.nowhere`, payload: bytes('lost'), msgId: 'lost' },
      { subject: subject('traced'), payload: bytes('t'), msgId: 'traced', traceContext: recorded },
    ];

    const settlements = await publishMany(js, messages, { concurrency: 64, timeoutMs: 2000 });

    expect(settlements).toHaveLength(503);
    expect(settlements.slice(0, 500).every((s) => s.ok && !s.duplicate)).toBe(true);
    expect(settlements[500]).toMatchObject({ ok: true, duplicate: true });
    expect(settlements[501]).toMatchObject({ ok: false, error: { retryable: true, msgId: 'lost' } });
    expect((await jsm.streams.info(stream)).state.messages).toBe(501);
    const traced = settlements[502]!;
    const stored = await jsm.streams.getMessage(stream, { seq: traced.ok ? traced.seq : -1 });
    expect(traceIdOf(traceContextOfMessage({ headers: stored!.header }))).toBe('0af7651916cd43dd8448eb211c80319c');
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(traceIdOf(traceContextOfMessage({ headers: first!.header }))).toMatch(/^[0-9a-f]{32}$/);
  });

  it('measures pipelined publishMany against one awaited publish at a time', async () => {
    const payload = new Uint8Array(200);
    const n = 5_000;
    const sequentialN = 1_000;

    let started = performance.now();
    for (let i = 0; i < sequentialN; i++) await publish(js, subject('bench.seq'), payload, { msgId: `s-${i}` });
    const sequentialRate = sequentialN / ((performance.now() - started) / 1000);

    const messages = Array.from({ length: n }, (_, i) => ({ subject: subject('bench.many'), payload, msgId: `p-${i}` }));
    started = performance.now();
    const settlements = await publishMany(js, messages, { concurrency: 256 });
    const pipelinedRate = n / ((performance.now() - started) / 1000);

    console.info(
      `publish: awaited one at a time ${Math.round(sequentialRate)} msg/s; publishMany(concurrency 256) ${Math.round(pipelinedRate)} msg/s (200 B, file storage)`,
    );
    expect(settlements.every((s) => s.ok)).toBe(true);
    expect((await jsm.streams.info(stream)).state.messages).toBe(n + sequentialN);
  });
});
