import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan, runViewOf, type RunView } from '@tributary/domain';
import { getPipeline, loadRunState, verifyChain } from '@tributary/event-store';
import { decodeRunEvents } from '@tributary/events';
import { runTraceId } from '@tributary/telemetry';
import { CLI, ROOT, TributarySystem } from '../support/tributary-system.js';
import { readStoredMessages } from '../support/stream-reader.js';

const run = promisify(execFile);
const DEMO = readFileSync(`${ROOT}examples/search-quality/pipeline.yaml`, 'utf8');
const GATED = readFileSync(new URL('./fixtures/gated-markets.yaml', import.meta.url), 'utf8');

describe('Tributary end to end: five services as separate processes', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [
        { name: 'host-retrieval', executors: ['generate-queries', 'search', 'judge'] },
        { name: 'host-reporting', executors: ['ner-diff', 'report', 'fail', 'flaky'] },
      ],
    });
    await system.applyPipeline(DEMO);
    await system.applyPipeline(GATED);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('runs the demo for LU, PT, GR: every market succeeds and the consolidation runs once with all three', async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const trigger = await system.api.post(
      '/pipelines/search-quality/runs',
      { params: { markets: ['LU', 'PT', 'GR'] }, idempotencyKey: 'demo-1' },
      { headers: { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` } },
    );
    // The run has a trace of its own (the caller's request links into it: tracing.e2e.spec.ts).
    const traceId = runTraceId(trigger.body.runId);
    expect(traceId).not.toBe(callerTrace);
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(202);
    const view: RunView = await system.waitForRun(trigger.body.runId);
    expect(view.run.state, system.logs()).toBe('success');
    expect(view.groups.map((g) => `${g.path}:${g.state}`)).toEqual([
      'market=GR:success',
      'market=LU:success',
      'market=PT:success',
    ]);
    expect(view.tasks.filter((t) => t.stage === 'market/retrieve').length).toBeGreaterThan(3 * 3);
    const consolidate = view.tasks.find((t) => t.taskId === 'consolidate')!;
    expect(consolidate.state).toBe('success');
    expect((consolidate.output as any).markets.map((m: any) => m.market).sort()).toEqual(['GR', 'LU', 'PT']);
    expect((consolidate.output as any).partial).toBe(false);
    const triggered = await system.db
      .selectFrom('event_log')
      .select('payload')
      .where('run_id', '=', view.run.id)
      .where('type', '=', 'ConsolidationTriggered')
      .execute();
    expect(triggered).toHaveLength(1);
    // Tasks ran on the host that serves their executor.
    const logs = system.process('host-retrieval').log + system.process('host-reporting').log;
    expect(logs).not.toMatch(/no handler/i);

    // The event log is the truth: folding it with the domain's evolve gives exactly the projections.
    const pipeline = await getPipeline(system.db, 'search-quality', view.run.version);
    const { state } = await loadRunState(system.db, compilePlan(pipeline!.spec), view.run.id);
    const folded = runViewOf(state);
    expect(
      folded.tasks.map(({ taskId, state: s, attempt, output }) => ({ taskId, s, attempt, output })),
    ).toEqual(view.tasks.map(({ taskId, state: s, attempt, output }) => ({ taskId, s, attempt, output })));
    // The api's groups also carry counts (the domain's view has none): each group's instances, by state.
    const groups = view.groups as (RunView['groups'][number] & { counts: Record<string, number> })[];
    expect(folded.groups).toEqual(groups.map(({ counts: _counts, ...g }) => g));
    for (const g of groups) {
      const inGroup = view.tasks.filter((t) => t.group === g.path);
      expect(Object.values(g.counts).reduce((a, b) => a + b, 0)).toBe(inGroup.length);
    }
    expect(folded.run.state).toBe(view.run.state);
    expect(await verifyChain(system.db, view.run.id)).toMatchObject({ ok: true });

    // One trace: every event of the run records the run's trace id.
    const traces = await system.db
      .selectFrom('event_log')
      .select('trace_id')
      .distinct()
      .where('run_id', '=', view.run.id)
      .execute();
    expect(traces.map((t) => t.trace_id)).toEqual([traceId]);
    // …and every message of the run on EVENTS (planner's events and the fan-in's trigger) carries it.
    const messages = await readStoredMessages(
      system.natsUrl,
      `${system.prefix.toUpperCase()}_EVENTS`,
      `${system.prefix}.event.*.${view.run.id}.*`,
    );
    const events = messages.flatMap((m) => {
      const decoded = decodeRunEvents(m.subject, m.data);
      return decoded.ok ? decoded.events : [];
    });
    expect(events.length).toBeGreaterThan(3 * view.tasks.length);
    expect(messages.length).toBeLessThan(events.length / 4); // task events travel batched
    expect(messages.some((m) => m.subject.includes('.fanin.'))).toBe(true);
    expect(new Set(messages.map((m) => m.headers.traceparent?.split('-')[1]))).toEqual(new Set([traceId]));
  }, 120_000);

  it('isolates a failing market: the others finish and the all_done consolidation writes a partial report', async () => {
    const trigger = await system.api.post('/pipelines/gated-markets/runs', {
      params: { markets: ['LU', 'PT', 'GR'], failMarkets: ['PT'] },
    });
    expect(trigger.status).toBe(202);
    const view: RunView = await system.waitForRun(trigger.body.runId);
    const state = (taskId: string) => view.tasks.find((t) => t.taskId === taskId)?.state;
    expect(state('market=PT/gate')).toBe('failed');
    expect(state('market=PT/report')).toBe('upstream_failed');
    expect(state('market=LU/report')).toBe('success');
    expect(state('market=GR/report')).toBe('success');
    expect(view.groups.find((g) => g.path === 'market=PT')!.state).toBe('failed');
    const output = view.tasks.find((t) => t.taskId === 'consolidate')!.output as any;
    expect(output.partial).toBe(true);
    expect(output.failedMarkets).toEqual(['PT']);
    expect(view.run.state).toBe('success');
  }, 120_000);

  it('clearing the failed task over HTTP re-runs it and its downstream, and the run ends success by itself', async () => {
    const trigger = await system.api.post('/pipelines/gated-markets/runs', {
      params: { markets: ['LU', 'GR'], flakyMarkets: ['GR'] },
    });
    const runId = trigger.body.runId;
    const first: RunView = await system.waitForRun(runId);
    expect(first.tasks.find((t) => t.taskId === 'market=GR/flaky-gate')!.state).toBe('failed');
    expect((first.tasks.find((t) => t.taskId === 'consolidate')!.output as any).failedMarkets).toEqual([
      'GR',
    ]);
    const cleared = await system.api.post(`/runs/${runId}/clear`, {
      taskIds: ['market=GR/flaky-gate'],
      reason: 'transient outage fixed',
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    const second: RunView = await system.waitForRun(
      runId,
      60_000,
      (v) =>
        v.run.state === 'success' &&
        v.tasks.find((t: any) => t.taskId === 'consolidate')?.output?.partial === false,
    );
    expect(second.groups.find((g) => g.path === 'market=GR')!.state).toBe('success');
    expect(second.tasks.find((t) => t.taskId === 'market=GR/flaky-gate')!.attempt).toBe(2);
    const rounds = await system.db
      .selectFrom('event_log')
      .select('payload')
      .where('run_id', '=', runId)
      .where('type', '=', 'ConsolidationTriggered')
      .orderBy('run_seq')
      .execute();
    expect(rounds.map((r) => (r.payload as any).round)).toEqual([1, 2]);
    const clearedEvents = await system.db
      .selectFrom('event_log')
      .select(['actor', 'payload'])
      .where('run_id', '=', runId)
      .where('type', '=', 'TaskInstanceCleared')
      .execute();
    expect(
      clearedEvents.find((e) => (e.payload as any).taskId === 'market=GR/flaky-gate')?.actor,
    ).toBeTruthy();
  }, 120_000);

  it('clearing with the CLI does the same', async () => {
    const trigger = await system.api.post('/pipelines/gated-markets/runs', {
      params: { markets: ['PT', 'GR'], flakyMarkets: ['PT'] },
    });
    const runId = trigger.body.runId;
    await system.waitForRun(runId);
    const { stdout } = await run(
      process.execPath,
      [CLI, 'tasks', 'clear', runId, 'market=PT/flaky-gate', '--reason', 'retry from the CLI'],
      { env: { ...process.env, ...system.env } },
    );
    expect(stdout).toMatch(/clear/i);
    const view: RunView = await system.waitForRun(
      runId,
      60_000,
      (v) =>
        v.run.state === 'success' &&
        v.groups.every((g: any) => g.state === 'success') &&
        v.tasks.find((t: any) => t.taskId === 'consolidate')?.state === 'success',
    );
    expect(view.tasks.find((t) => t.taskId === 'market=PT/report')!.state).toBe('success');
  }, 120_000);

  it('a trigger repeated with the same idempotency key yields one run', async () => {
    const body = { params: { markets: ['LU'] }, idempotencyKey: 'nightly-2026-11-22' };
    const a = await system.api.post('/pipelines/gated-markets/runs', body);
    const b = await system.api.post('/pipelines/gated-markets/runs', body);
    expect(a.status).toBe(202);
    expect(b.body.runId).toBe(a.body.runId);
    await system.waitForRun(a.body.runId);
    const runs = await system.db
      .selectFrom('runs')
      .select('run_id')
      .where('idempotency_key', '=', body.idempotencyKey)
      .execute();
    expect(runs).toHaveLength(1);
    const accepted = await system.db
      .selectFrom('event_log')
      .select('event_id')
      .where('run_id', '=', a.body.runId)
      .where('type', '=', 'TriggerAccepted')
      .execute();
    expect(accepted).toHaveLength(1);
  }, 120_000);

  it('refuses a trigger with invalid params with the JSON-pointer path, and records the rejection', async () => {
    const response = await system.api.post('/pipelines/search-quality/runs', {
      params: { markets: ['LU', 42] },
    });
    expect(response.status).toBe(422);
    expect(JSON.stringify(response.body)).toContain('/params/markets/1');
    const runId = response.body.runId ?? response.body.error?.runId;
    expect(runId).toBeTruthy();
    const rejected = await (async () => {
      for (let i = 0; i < 100; i++) {
        const rows = await system.db
          .selectFrom('event_log')
          .select(['type', 'payload'])
          .where('run_id', '=', runId)
          .execute();
        if (rows.length > 0) return rows;
        await new Promise((r) => setTimeout(r, 100));
      }
      return [];
    })();
    expect(rejected.map((r) => r.type)).toEqual(['TriggerRejected']);
    expect(JSON.stringify(rejected[0]!.payload)).toContain('/params/markets/1');
  }, 60_000);
});
