import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { initTelemetry, type Telemetry } from './init-telemetry.js';
import { recordSpanInTrace } from './record-span-in-trace.js';
import { withSpan } from './with-span.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('recordSpanInTrace', () => {
  let telemetry: Telemetry | undefined;
  const exporter = new InMemorySpanExporter();

  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
    exporter.reset();
  });

  it('records a finished child of the traceparent, with its times, linked to the batch span around it', async () => {
    telemetry = initTelemetry({
      serviceName: 't',
      env: {},
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const start = Date.now() - 50;
    const batchSpanId = await withSpan('batch', {}, (batch) => {
      expect(
        recordSpanInTrace('planner.decide', {
          traceparent: `00-${TRACE}-${PARENT_SPAN}-01`,
          startTime: start,
          attributes: { 'tributary.run_id': 'r1' },
        }),
      ).toBe(true);
      return batch.spanContext().spanId;
    });
    const decide = exporter.getFinishedSpans().find((s) => s.name === 'planner.decide')!;
    expect(decide.spanContext().traceId).toBe(TRACE);
    expect(decide.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(decide.attributes).toEqual({ 'tributary.run_id': 'r1' });
    expect(decide.links.map((l) => l.context.spanId)).toEqual([batchSpanId]);
    expect(decide.startTime[0] * 1000 + decide.startTime[1] / 1e6).toBeCloseTo(start, -1);
  });

  it('records nothing without a valid traceparent', () => {
    telemetry = initTelemetry({
      serviceName: 't',
      env: {},
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    expect(recordSpanInTrace('x', { traceparent: null, startTime: Date.now() })).toBe(false);
    expect(recordSpanInTrace('x', { traceparent: 'garbage', startTime: Date.now() })).toBe(false);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
