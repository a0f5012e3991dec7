import { describe, expect, it } from 'vitest';
import { selectTraceExporters } from './trace-exporter-selection.js';

describe('selectTraceExporters', () => {
  it('exports nothing by default', () => {
    expect(selectTraceExporters({})).toEqual({ exporters: [], unsupported: [] });
  });

  it('exports over OTLP when an endpoint is configured', () => {
    expect(selectTraceExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).exporters).toEqual(['otlp']);
    expect(selectTraceExporters({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).exporters).toEqual([
      'otlp',
    ]);
  });

  it('follows an explicit OTEL_TRACES_EXPORTER list over the endpoint', () => {
    expect(selectTraceExporters({ OTEL_TRACES_EXPORTER: 'console' }).exporters).toEqual(['console']);
    expect(selectTraceExporters({ OTEL_TRACES_EXPORTER: 'otlp' }).exporters).toEqual(['otlp']);
    expect(
      selectTraceExporters({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })
        .exporters,
    ).toEqual([]);
    expect(selectTraceExporters({ OTEL_TRACES_EXPORTER: ' otlp , Console,zipkin' })).toEqual({
      exporters: ['otlp', 'console'],
      unsupported: ['zipkin'],
    });
  });
});
