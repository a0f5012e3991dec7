import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { eventually } from '@tributary/testing';
import { TributarySystem } from '../support/tributary-system.js';

/** Two groups of a chained stage and a consolidation, built-ins only. */
const PIPELINE = `
id: traced
stages:
  - group: shard
    over: '["a", "b"]'
    stages:
      - { id: work, executor: echo, with: { value: '\${{ group.key }}' } }
      - { id: check, executor: noop, dependsOn: [work] }
consolidate: { executor: echo, triggerRule: all_done }
`;

interface ReceivedSpan {
  service: string;
  traceId: string;
  name: string;
}

/**
 * A stand-in OpenTelemetry collector (outside the system): accepts OTLP/HTTP JSON on /v1/traces and
 * keeps every span with the `service.name` of the process that sent it.
 */
async function startCollector(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const resourceSpans of body.resourceSpans ?? []) {
          const service = (resourceSpans.resource?.attributes ?? []).find(
            (a: { key: string }) => a.key === 'service.name',
          )?.value?.stringValue;
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? [])
              spans.push({ service, traceId: span.traceId, name: span.name });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('one run, one trace: every service exports its spans under the trigger’s trace id', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let system: TributarySystem;

  beforeAll(async () => {
    collector = await startCollector();
    system = await TributarySystem.start({
      executorHosts: [
        { name: 'host-work', executors: ['echo'] },
        { name: 'host-check', executors: ['noop'] },
      ],
      handlers: [],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    await system.applyPipeline(PIPELINE);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await collector?.close();
  }, 60_000);

  it('api, planner, both executor hosts, fan-in and consolidator report spans of the run’s trace', async () => {
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const trigger = await system.api.post(
      '/pipelines/traced/runs',
      { params: {} },
      { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
    );
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(202);
    const view: RunView = await system.waitForRun(trigger.body.runId);
    expect(view.run.state, system.logs()).toBe('success');

    // Spans arrive in batches from five processes: check until everything is in, or time out.
    await eventually(() => {
      const inTrace = collector.spans.filter((s) => s.traceId === traceId);
      const services = new Set(inTrace.map((s) => s.service.replace(/^tributary-/, '')));
      expect([...services].sort()).toEqual(['api', 'consolidator', 'executor', 'fan-in', 'planner']);
      const named = (name: string) => inTrace.filter((s) => s.name === name).length;
      // Every attempt on an executor host is a span of the trace (the two stages run on two hosts;
      // the consolidation runs inside the consolidator).
      expect(named('attempt echo')).toBe(2);
      expect(named('attempt noop')).toBe(2);
      // The planner's decisions on results (transactions over many runs) and the fan-in's count too.
      expect(named('planner.decide')).toBeGreaterThanOrEqual(3);
      expect(named('fan-in.apply_group_events')).toBeGreaterThanOrEqual(1);
    }, 15_000);
  }, 90_000);
});
