import {
  context,
  SpanKind,
  trace,
  type Attributes,
  type Link,
  type TimeInput,
  type Tracer,
} from '@opentelemetry/api';
import { extractTraceContext, TRACEPARENT_HEADER } from './trace-context.js';
import { TRIBUTARY_TRACER_NAME } from './with-span.js';

/** Options for {@link recordSpanInTrace}. */
export interface RecordSpanInTraceOptions {
  /** W3C `traceparent` of the trace the span belongs to (a run's trace); no span without one. */
  traceparent: string | null | undefined;
  startTime: TimeInput;
  /** @default now */
  endTime?: TimeInput;
  attributes?: Attributes;
  /** @default trace.getTracer('@tributary/telemetry') */
  tracer?: Tracer;
}

/**
 * Records a finished span as a child of `traceparent`, for work one step did for many traces at once
 * (a planner transaction over many runs, a consumer batch): each run's trace then shows that step.
 * The span links to the active span (the batch), so a trace viewer leads from one to the other.
 * Returns whether a span was recorded (not when `traceparent` is missing or malformed).
 */
export function recordSpanInTrace(name: string, options: RecordSpanInTraceOptions): boolean {
  if (!options.traceparent) return false;
  const parent = extractTraceContext({ [TRACEPARENT_HEADER]: options.traceparent });
  if (trace.getSpanContext(parent) === undefined) return false;
  const active = trace.getSpanContext(context.active());
  const links: Link[] = active && trace.isSpanContextValid(active) ? [{ context: active }] : [];
  const tracer = options.tracer ?? trace.getTracer(TRIBUTARY_TRACER_NAME);
  const span = tracer.startSpan(
    name,
    { kind: SpanKind.INTERNAL, startTime: options.startTime, attributes: options.attributes, links },
    parent,
  );
  span.end(options.endTime);
  return true;
}
