import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { eventually } from '@tributary/testing';
import { TributarySystem } from '../support/tributary-system.js';

/**
 * Two groups, each with a mapped stage and a nested group whose task fails its first attempt and
 * succeeds on the retry, then a consolidation: built-ins only.
 */
const PIPELINE = `
id: traced
stages:
  - group: shard
    over: '["a", "b"]'
    stages:
      - { id: items, executor: list, with: { n: 2 } }
      - { id: work, executor: echo, map: upstream.items, with: { value: '\${{ group.key }}' } }
      - group: part
        over: '["x"]'
        dependsOn: [work]
        stages:
          - { id: check, executor: flaky, retries: 1, retryDelay: 50ms, with: { failures: 1 } }
consolidate: { executor: echo, triggerRule: all_done }
`;

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startMs: number;
  endMs: number;
  error: boolean;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

const ms = (unixNano: string): number => Number(BigInt(unixNano) / 1_000_000n);

function attributesOf(list: { key: string; value: Record<string, unknown> }[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]));
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
          const service = attributesOf(resourceSpans.resource?.attributes)['service.name'] as string;
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? [])
              spans.push({
                service,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? '',
                name: span.name,
                startMs: ms(span.startTimeUnixNano),
                endMs: ms(span.endTimeUnixNano),
                error: span.status?.code === 2,
                attributes: attributesOf(span.attributes),
                links: (span.links ?? []).map((l: { traceId: string; spanId: string }) => ({
                  traceId: l.traceId,
                  spanId: l.spanId,
                })),
              });
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

describe('a run’s trace reads like the run', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let system: TributarySystem;

  beforeAll(async () => {
    collector = await startCollector();
    system = await TributarySystem.start({
      executorHosts: [
        { name: 'host-work', executors: ['echo', 'list'] },
        { name: 'host-check', executors: ['flaky'] },
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

  it('the run is the root, groups/instances/attempts nest under it with the event log’s times, every service joins in', async () => {
    const clientTrace = 'a3ce929d0e0e47364bf92f3577b34da6';
    const trigger = await system.api.post(
      '/pipelines/traced/runs',
      { params: {} },
      { headers: { traceparent: `00-${clientTrace}-00f067aa0ba902b7-01` } },
    );
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(202);
    const runId: string = trigger.body.runId;
    const view: RunView = await system.waitForRun(runId);
    expect(view.run.state, system.logs()).toBe('success');

    const run = await system.db.selectFrom('runs').select('trace_id').where('run_id', '=', runId).executeTakeFirstOrThrow();
    const traceId = run.trace_id!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe(clientTrace);
    const events = await system.db
      .selectFrom('event_log')
      .select(['run_seq', 'type', 'task_id', 'attempt', 'payload', 'occurred_at'])
      .where('run_id', '=', runId)
      .orderBy('run_seq')
      .execute();
    const at = (e: { occurred_at: Date }) => e.occurred_at.getTime();
    const groups = await system.db.selectFrom('groups').selectAll().where('run_id', '=', runId).execute();
    const tasks = await system.db.selectFrom('task_instances').selectAll().where('run_id', '=', runId).execute();
    expect(groups.map((g) => g.path).sort()).toEqual(['shard=a', 'shard=a/part=x', 'shard=b', 'shard=b/part=x']);
    expect(tasks.filter((t) => t.attempt === 2).map((t) => t.task_id).sort()).toEqual([
      'shard=a/part=x/check',
      'shard=b/part=x/check',
    ]);

    // What the trace must hold, from the event log: one span per group, instance and attempt.
    const terminal = new Set(['TaskInstanceSucceeded', 'TaskInstanceFailed', 'TaskInstanceSkipped', 'TaskInstanceUpstreamFailed']);
    const attemptEnds = new Set(['TaskInstanceSucceeded', 'TaskInstanceFailed', 'TaskInstanceUpForRetry']);
    const expectedAttempts = events.filter((e) => attemptEnds.has(e.type));
    const expectedInstances = events.filter((e) => terminal.has(e.type));
    expect(expectedInstances).toHaveLength(tasks.length);
    expect(expectedAttempts).toHaveLength(tasks.length + 2);

    // Spans arrive in batches from five processes: check until everything is in, or time out.
    await eventually(() => {
      const inTrace = collector.spans.filter((s) => s.traceId === traceId);
      const services = new Set(inTrace.map((s) => s.service.replace(/^tributary-/, '')));
      expect([...services].sort()).toEqual(['api', 'consolidator', 'executor', 'fan-in', 'planner']);
      expect(inTrace.filter((s) => s.name.startsWith('task ')).length).toBe(tasks.length);
      expect(inTrace.filter((s) => s.name.startsWith('attempt ') && s.name.includes('#')).length).toBe(
        expectedAttempts.length,
      );
      expect(inTrace.filter((s) => s.name.startsWith('group ')).length).toBe(groups.length);
      expect(inTrace.some((s) => s.name === 'run traced')).toBe(true);
      // Executor hosts' attempts (4 echo + 2 list + 4 flaky).
      expect(inTrace.filter((s) => /^attempt (echo|list|flaky)$/.test(s.name)).length).toBe(10);
    }, 20_000);

    const inTrace = collector.spans.filter((s) => s.traceId === traceId);
    const byId = new Map(inTrace.map((s) => [s.spanId, s]));
    const one = (name: string) => {
      const found = inTrace.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };

    // The root is the run, with its first and terminal events' times; nothing else is parentless,
    // and every span's parent is in the trace (one tree).
    const root = one('run traced');
    expect(inTrace.filter((s) => s.parentSpanId === '').map((s) => s.name)).toEqual(['run traced']);
    for (const span of inTrace) if (span !== root) expect(byId.has(span.parentSpanId), span.name).toBe(true);
    expect(root.service).toBe('tributary-planner');
    expect(root.startMs).toBe(at(events[0]!));
    expect(root.endMs).toBe(at(events.find((e) => e.type === 'RunCompleted')!));
    expect(root.attributes).toMatchObject({
      'tributary.run.id': runId,
      'tributary.pipeline.id': 'traced',
      'tributary.pipeline.version': 1,
      'tributary.run.state': 'success',
    });

    // Groups under the run or their parent group, from their expansion to their completion.
    for (const group of groups) {
      const span = one(`group ${group.path}`);
      const parent = group.parent_path === null ? root : one(`group ${group.parent_path}`);
      expect(span.parentSpanId, group.path).toBe(parent.spanId);
      const expanded = events.find(
        (e) => e.type === 'GroupsExpanded' && (e.payload as { groups: { path: string }[] }).groups.some((g) => g.path === group.path),
      )!;
      const completed = events.find((e) => e.type === 'GroupCompleted' && (e.payload as { groupPath: string }).groupPath === group.path)!;
      expect([span.startMs, span.endMs], group.path).toEqual([at(expanded), at(completed)]);
      expect(span.attributes['tributary.group.key']).toBe(group.key);
    }

    // Instances under their group (the consolidation under the run), from first scheduling to their end.
    for (const task of tasks) {
      const span = one(`task ${task.task_id}`);
      const parent = task.group_path === null ? root : one(`group ${task.group_path}`);
      expect(span.parentSpanId, task.task_id).toBe(parent.spanId);
      const scheduled = events.find((e) => e.type === 'TaskInstanceScheduled' && e.task_id === task.task_id)!;
      const ended = expectedInstances.find((e) => e.task_id === task.task_id)!;
      expect([span.startMs, span.endMs], task.task_id).toEqual([at(scheduled), at(ended)]);
      expect(span.attributes).toMatchObject({ 'tributary.task.id': task.task_id, 'tributary.task.state': task.state });
      if (task.map_index !== null) expect(span.attributes['tributary.task.map_index']).toBe(task.map_index);
    }
    expect(one('task consolidate').parentSpanId).toBe(root.spanId);

    // Attempts under their instance, from dispatch to result; the failed first tries are errors.
    for (const end of expectedAttempts) {
      const span = one(`attempt ${end.task_id} #${end.attempt}`);
      expect(span.parentSpanId).toBe(one(`task ${end.task_id}`).spanId);
      const queued = events.find(
        (e) => e.type === 'TaskInstanceQueued' && e.task_id === end.task_id && e.attempt === end.attempt,
      )!;
      expect([span.startMs, span.endMs], span.name).toEqual([at(queued), at(end)]);
      expect(span.error, span.name).toBe(end.type !== 'TaskInstanceSucceeded');
      expect(span.attributes).toMatchObject({ 'tributary.attempt': end.attempt });
    }
    const failed = inTrace.filter((s) => s.name.includes('#') && s.error);
    expect(failed.map((s) => s.name).sort()).toEqual(['attempt shard=a/part=x/check #1', 'attempt shard=b/part=x/check #1']);
    expect(failed[0]!.attributes).toMatchObject({ 'tributary.executor': 'flaky', 'tributary.outcome': 'up_for_retry' });

    // The executor hosts' work hangs under the attempt it did.
    for (const work of inTrace.filter((s) => /^attempt (echo|list|flaky)$/.test(s.name)))
      expect(byId.get(work.parentSpanId)!.name).toMatch(/^attempt .+ #\d+$/);

    // The HTTP request stays in the caller's trace; the run's trigger span links to it.
    const request = collector.spans.find((s) => s.traceId === clientTrace && s.service === 'tributary-api')!;
    expect(request.parentSpanId).toBe('00f067aa0ba902b7');
    const triggered = one('trigger traced');
    expect(triggered.parentSpanId).toBe(root.spanId);
    expect(triggered.links).toEqual([{ traceId: clientTrace, spanId: request.spanId }]);
  }, 90_000);
});
