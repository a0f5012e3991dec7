import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Link,
  type Tracer,
} from '@opentelemetry/api';
import { TRIBUTARY_TRACER_NAME } from './with-span.js';

/** A span whose ids are known in advance (see run-span-ids.ts). */
export interface RecordedSpan {
  name: string;
  traceId: string;
  spanId: string;
  /** null: a root span (the run). */
  parentSpanId: string | null;
  /** Epoch milliseconds, as recorded in the event log. */
  startTime: number;
  endTime: number;
  attributes?: Attributes;
  /** Sets the span's status to ERROR with this message. */
  error?: string | null;
  links?: Link[];
}

/**
 * Ids the SDK's tracer takes for the next span it starts; random otherwise. `initTelemetry` installs it,
 * so {@link emitRecordedSpan} can give a span the id other processes already parented spans under.
 */
export class PresetIdGenerator {
  private preset: { traceId: string; spanId: string } | null = null;

  with<T>(ids: { traceId: string; spanId: string }, start: () => T): T {
    this.preset = ids;
    try {
      return start();
    } finally {
      this.preset = null;
    }
  }

  generateTraceId(): string {
    return this.preset?.traceId ?? randomHex(16);
  }

  generateSpanId(): string {
    return this.preset?.spanId ?? randomHex(8);
  }
}

function randomHex(bytes: number): string {
  let hex = '';
  for (let i = 0; i < bytes; i += 1) hex += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** The generator the process's tracer provider uses (installed by initTelemetry). */
export const presetIds = new PresetIdGenerator();

let exporting = false;

/** Set by initTelemetry: whether any span leaves this process (an exporter or a test processor). */
export function setRecordedSpansExported(value: boolean): void {
  exporting = value;
}

/**
 * Whether recorded spans go anywhere: without an exporter nothing reads them, so the planner skips
 * building them (a run of 100 000 instances would make 200 000 spans for nobody).
 */
export function recordedSpansExported(): boolean {
  return exporting;
}

/**
 * Emits a finished span with preset ids and its recorded times: a run outlives every process, so its
 * long spans are emitted when the thing completes, not held open. A no-op without initTelemetry.
 */
export function emitRecordedSpan(span: RecordedSpan, tracer: Tracer = trace.getTracer(TRIBUTARY_TRACER_NAME)): void {
  if (!exporting) return;
  const parent =
    span.parentSpanId === null
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
          traceId: span.traceId,
          spanId: span.parentSpanId,
          traceFlags: TraceFlags.SAMPLED,
          isRemote: true,
        });
  const started = presetIds.with({ traceId: span.traceId, spanId: span.spanId }, () =>
    tracer.startSpan(
      span.name,
      {
        kind: SpanKind.INTERNAL,
        startTime: span.startTime,
        attributes: span.attributes,
        links: span.links,
        root: span.parentSpanId === null,
      },
      parent,
    ),
  );
  if (span.error) started.setStatus({ code: SpanStatusCode.ERROR, message: span.error });
  started.end(Math.max(span.endTime, span.startTime));
}
