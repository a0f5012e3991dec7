import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { initTelemetry, type Telemetry } from './init-telemetry.js';
import { emitRecordedSpan, recordedSpansExported } from './recorded-span.js';
import { attemptSpanId, runSpanId, runTraceId } from './run-span-ids.js';
import { withSpan } from './with-span.js';

describe('emitRecordedSpan', () => {
  let telemetry: Telemetry | undefined;
  const exporter = new InMemorySpanExporter();

  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
    exporter.reset();
  });

  it('emits spans with the preset ids and recorded times, a parentless root and an ERROR child', async () => {
    telemetry = initTelemetry({ serviceName: 't', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const traceId = runTraceId('r1');
    emitRecordedSpan({
      name: 'run p',
      traceId,
      spanId: runSpanId('r1'),
      parentSpanId: null,
      startTime: 1_700_000_000_000,
      endTime: 1_700_000_000_250,
    });
    emitRecordedSpan({
      name: 'attempt a #1',
      traceId,
      spanId: attemptSpanId('r1', 'a', 1),
      parentSpanId: runSpanId('r1'),
      startTime: 1_700_000_000_010,
      endTime: 1_700_000_000_020,
      error: 'boom',
    });
    // Other spans keep random ids.
    const other = await withSpan('other', {}, (span) => span.spanContext().spanId);

    const [run, attempt, plain] = exporter.getFinishedSpans();
    expect(run!.spanContext()).toMatchObject({ traceId, spanId: runSpanId('r1') });
    expect(run!.parentSpanContext).toBeUndefined();
    expect(run!.startTime).toEqual([1_700_000_000, 0]);
    expect(run!.endTime).toEqual([1_700_000_000, 250_000_000]);
    expect(attempt!.spanContext()).toMatchObject({ traceId, spanId: attemptSpanId('r1', 'a', 1) });
    expect(attempt!.parentSpanContext?.spanId).toBe(runSpanId('r1'));
    expect(attempt!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(plain!.spanContext().spanId).toBe(other);
    expect([runSpanId('r1'), attemptSpanId('r1', 'a', 1)]).not.toContain(other);
    expect(plain!.spanContext().traceId).not.toBe(traceId);
  });

  it('is off while nothing exports spans', async () => {
    telemetry = initTelemetry({ serviceName: 't', env: {} });
    expect(recordedSpansExported()).toBe(false);
    await telemetry.shutdown();
    telemetry = initTelemetry({ serviceName: 't', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(recordedSpansExported()).toBe(true);
  });

  it('derives distinct, stable, valid ids', () => {
    expect(runSpanId('r1')).toBe(runSpanId('r1'));
    expect(runSpanId('r1')).not.toBe(runSpanId('r2'));
    expect(attemptSpanId('r1', 'a', 1)).not.toBe(attemptSpanId('r1', 'a', 2));
    expect(runSpanId('r1')).toMatch(/^[0-9a-f]{16}$/);
    expect(runTraceId('r1')).toMatch(/^[0-9a-f]{32}$/);
  });
});
