export { initTelemetry, type InitTelemetryOptions, type Telemetry } from './init-telemetry.js';
export {
  selectTraceExporters,
  type TelemetryEnv,
  type TraceExporterKind,
  type TraceExporterSelection,
} from './trace-exporter-selection.js';
export {
  extractTraceContext,
  injectTraceHeaders,
  traceIdOf,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type TraceHeaderCarrier,
} from './trace-context.js';
export { recordSpanError, TRIBUTARY_TRACER_NAME, withSpan, type WithSpanOptions } from './with-span.js';
export { recordSpanInTrace, type RecordSpanInTraceOptions } from './record-span-in-trace.js';
export {
  attemptSpanId,
  groupSpanId,
  runSpanId,
  runTraceId,
  taskInstanceSpanId,
  traceparentOf,
  traceIdOfTraceparent,
} from './run-span-ids.js';
export { emitRecordedSpan, recordedSpansExported, type RecordedSpan } from './recorded-span.js';
