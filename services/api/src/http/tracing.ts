import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@tributary/telemetry';
import type { ApiRequest, ApiResponse } from './http-types.js';

const tracer = trace.getTracer('@tributary/api');

/**
 * Express middleware: one SERVER span per request, continuing the caller's `traceparent` when it
 * sends one, active while the route runs, so a trigger carries the request's trace to the planner.
 */
export function tracingMiddleware(req: ApiRequest, res: ApiResponse, next: () => void): void {
  const parent = extractTraceContext(req.headers as Record<string, string | string[] | undefined>);
  const span = tracer.startSpan(
    `HTTP ${req.method}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method ?? '', 'url.path': (req.url ?? '').split('?')[0] },
    },
    parent,
  );
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    const route = req.route?.path;
    if (route) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  res.on('finish', end);
  res.on('close', end);
  context.with(trace.setSpan(parent, span), next);
}
