import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/** The tracer used when a caller does not bring its own. */
export const TRIBUTARY_TRACER_NAME = '@tributary/telemetry';

/** Options for {@link withSpan}. */
export interface WithSpanOptions {
  /** Parent context; defaults to the active context. */
  parent?: Context;
  /** Attributes set when the span starts. */
  attributes?: Attributes;
  /** @default SpanKind.INTERNAL */
  kind?: SpanKind;
  /** Links to other spans (e.g. every message of a batch). */
  links?: Link[];
  /** @default trace.getTracer('@tributary/telemetry') */
  tracer?: Tracer;
}

/**
 * Runs `fn` inside a new active span named `name` and ends the span when `fn`
 * settles. A thrown error is recorded on the span (status ERROR) and rethrown.
 */
export async function withSpan<T>(
  name: string,
  options: WithSpanOptions,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const tracer = options.tracer ?? trace.getTracer(TRIBUTARY_TRACER_NAME);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    recordSpanError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks `span` as failed with `error` (exception event + ERROR status). */
export function recordSpanError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : message);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
