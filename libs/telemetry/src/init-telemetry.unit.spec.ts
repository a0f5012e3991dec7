import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { initTelemetry, type Telemetry } from './init-telemetry.js';
import { extractTraceContext, injectTraceHeaders, traceIdOf } from './trace-context.js';
import { withSpan } from './with-span.js';

describe('initTelemetry', () => {
  let telemetry: Telemetry | undefined;
  let exporter = new InMemorySpanExporter();

  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });

  function init(serviceName = 'test-service'): Telemetry {
    // Shutting a provider down stops its exporters, so each setup gets a fresh one.
    exporter = new InMemorySpanExporter();
    telemetry = initTelemetry({ serviceName, env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    return telemetry;
  }

  it('is idempotent', () => {
    const first = init();
    expect(initTelemetry({ serviceName: 'other', env: {} })).toBe(first);
    expect(first.exporters).toEqual([]);
  });

  it('creates real spans even without an exporter, so trace ids propagate', async () => {
    init();
    const traceId = await withSpan('root', {}, () => traceIdOf());
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['root']);
  });

  it('starts a child span from extracted headers in the same trace', async () => {
    init();
    const headers = await withSpan('producer', { kind: SpanKind.PRODUCER }, () => injectTraceHeaders());

    const parent = extractTraceContext(headers);
    const childTraceId = await withSpan('consumer', { parent, kind: SpanKind.CONSUMER }, () => traceIdOf());

    const [producer, consumer] = exporter.getFinishedSpans();
    expect(childTraceId).toBe(traceIdOf(parent));
    expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
    expect(consumer!.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);
  });

  it('records a thrown error on the span and rethrows it', async () => {
    init();
    await expect(withSpan('boom', { attributes: { a: 1 } }, () => Promise.reject(new Error('nope')))).rejects.toThrow(
      'nope',
    );
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'nope' });
    expect(span!.attributes).toEqual({ a: 1 });
  });

  it('can be initialised again after shutdown', async () => {
    const first = init('first');
    await first.shutdown();
    const second = init('second');
    expect(second).not.toBe(first);
    await withSpan('again', {}, () => undefined);
    expect(trace.getTracerProvider()).toBeDefined();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['again']);
  });
});
