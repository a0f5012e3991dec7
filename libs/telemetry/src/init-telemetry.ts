import { context, diag, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { presetIds, setRecordedSpansExported } from './recorded-span.js';
import { selectTraceExporters, type TelemetryEnv, type TraceExporterKind } from './trace-exporter-selection.js';

/** Options for {@link initTelemetry}. */
export interface InitTelemetryOptions {
  /** `service.name` of every span; `OTEL_SERVICE_NAME` overrides it. */
  serviceName: string;
  /** `service.version`, when known. */
  serviceVersion?: string;
  /** Extra processors (e.g. an in-memory exporter in tests), added after the env-selected ones. */
  spanProcessors?: SpanProcessor[];
  /** Where exporter settings are read from. @default process.env */
  env?: TelemetryEnv;
}

/** The process-wide tracing setup returned by {@link initTelemetry}. */
export interface Telemetry {
  /** A tracer named after the service. */
  readonly tracer: Tracer;
  /** The exporters that were installed (empty: spans are created but not exported). */
  readonly exporters: readonly TraceExporterKind[];
  /** Flushes pending spans and unregisters the global provider; a later init starts afresh. */
  shutdown(): Promise<void>;
}

let current: { telemetry: Telemetry; serviceName: string } | undefined;

/**
 * Sets up OpenTelemetry tracing for this process: a NodeTracerProvider
 * registered globally with the AsyncLocalStorage context manager and the W3C
 * trace-context (+ baggage) propagator, exporters chosen from `OTEL_*`
 * variables (see {@link selectTraceExporters}). Idempotent: later calls return
 * the first setup until it is shut down.
 */
export function initTelemetry(options: InitTelemetryOptions): Telemetry {
  if (current !== undefined) {
    if (current.serviceName !== options.serviceName) {
      diag.warn(`initTelemetry: already initialised for "${current.serviceName}", ignoring "${options.serviceName}"`);
    }
    return current.telemetry;
  }

  const env = options.env ?? process.env;
  const selection = selectTraceExporters(env);
  if (selection.unsupported.length > 0) {
    diag.warn(`initTelemetry: unsupported OTEL_TRACES_EXPORTER value(s): ${selection.unsupported.join(', ')}`);
  }

  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(
        resourceFromAttributes({
          [ATTR_SERVICE_NAME]: options.serviceName,
          ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
        }),
      )
      // Operators rename or tag a deployment with OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES.
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [...selection.exporters.map(processorFor), ...(options.spanProcessors ?? [])],
    // Random ids, except for a run's own spans, whose ids derive from the run (emitRecordedSpan).
    idGenerator: presetIds,
  });
  provider.register();
  setRecordedSpansExported(selection.exporters.length > 0 || (options.spanProcessors?.length ?? 0) > 0);

  let stopping: Promise<void> | undefined;
  const telemetry: Telemetry = {
    tracer: trace.getTracer(options.serviceName, options.serviceVersion),
    exporters: selection.exporters,
    shutdown() {
      stopping ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          setRecordedSpansExported(false);
          if (current?.telemetry === telemetry) current = undefined;
        }
      })();
      return stopping;
    },
  };
  current = { telemetry, serviceName: options.serviceName };
  return telemetry;
}

function processorFor(kind: TraceExporterKind): SpanProcessor {
  switch (kind) {
    case 'otlp':
      // Reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT / _HEADERS itself.
      return new BatchSpanProcessor(new OTLPTraceExporter());
    case 'console':
      return new SimpleSpanProcessor(new ConsoleSpanExporter());
    default: {
      const never: never = kind;
      throw new Error(`unknown exporter ${String(never)}`);
    }
  }
}
