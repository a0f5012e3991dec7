/** A span exporter Tributary knows how to build. */
export type TraceExporterKind = 'otlp' | 'console';

/** Environment variables read by {@link selectTraceExporters}. */
export type TelemetryEnv = Readonly<Record<string, string | undefined>>;

/** Which exporters to install, and the `OTEL_TRACES_EXPORTER` values that were ignored. */
export interface TraceExporterSelection {
  exporters: TraceExporterKind[];
  unsupported: string[];
}

/**
 * Chooses span exporters from standard `OTEL_*` variables:
 * an explicit `OTEL_TRACES_EXPORTER` list wins (`otlp`, `console`, `none`);
 * otherwise OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; otherwise none (spans are still
 * created so trace ids propagate, they are just not exported).
 */
export function selectTraceExporters(env: TelemetryEnv): TraceExporterSelection {
  const listed = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((value) => value.trim().toLowerCase())
    .filter((value) => value.length > 0);

  if (listed.length === 0) {
    const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    return { exporters: endpoint ? ['otlp'] : [], unsupported: [] };
  }
  if (listed.includes('none')) return { exporters: [], unsupported: [] };

  const exporters: TraceExporterKind[] = [];
  const unsupported: string[] = [];
  for (const value of listed) {
    if (value === 'otlp' || value === 'console') {
      if (!exporters.includes(value)) exporters.push(value);
    } else {
      unsupported.push(value);
    }
  }
  return { exporters, unsupported };
}
