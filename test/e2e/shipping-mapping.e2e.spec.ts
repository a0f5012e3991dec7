import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { ROOT, TributarySystem } from '../support/tributary-system.js';

const SHIPPING = readFileSync(`${ROOT}examples/shipping/pipeline.yaml`, 'utf8');

/** Most instances of a stage queued or running at once, replayed from the run's event log. */
async function peakConcurrency(system: TributarySystem, runId: string, stage: string): Promise<number> {
  const rows = await system.db
    .selectFrom('event_log')
    .select(['type', 'task_id'])
    .where('run_id', '=', runId)
    .orderBy('run_seq')
    .execute();
  const active = new Set<string>();
  let peak = 0;
  for (const row of rows) {
    if (!row.task_id?.startsWith(`${stage}[`)) continue;
    if (row.type === 'TaskInstanceQueued') active.add(row.task_id);
    else if (
      [
        'TaskInstanceSucceeded',
        'TaskInstanceFailed',
        'TaskInstanceUpForRetry',
        'TaskInstanceCancelled',
      ].includes(row.type)
    )
      active.delete(row.task_id);
    peak = Math.max(peak, active.size);
  }
  return peak;
}

describe('dynamic task mapping end to end (the shipping example)', () => {
  let system: TributarySystem;

  beforeAll(async () => {
    system = await TributarySystem.start({
      executorHosts: [{ name: 'host', executors: ['list', 'flaky', 'echo'] }],
      handlers: [],
    });
    await system.applyPipeline(SHIPPING);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('maps over a run-time list at most 3 at a time; summarize is upstream_failed until the failed items are cleared, then runs by itself', async () => {
    const trigger = await system.api.post('/pipelines/shipping/runs', {
      params: { items: 12, flakyItems: [3, 7] },
    });
    expect(trigger.status).toBe(202);
    const runId = trigger.body.runId;
    const first: RunView = await system.waitForRun(runId);
    const state = (view: RunView, taskId: string) => view.tasks.find((t) => t.taskId === taskId)?.state;
    expect(first.tasks.filter((t) => t.stage === 'process_single_item')).toHaveLength(12);
    expect(state(first, 'process_single_item[3]')).toBe('failed');
    expect(state(first, 'process_single_item[7]')).toBe('failed');
    expect(state(first, 'process_single_item[4]')).toBe('success');
    expect(state(first, 'summarize')).toBe('upstream_failed');
    expect(first.run.state).toBe('failed');
    expect(await peakConcurrency(system, runId, 'process_single_item')).toBe(3);

    // Clear one index only: its siblings keep their state and attempt; summarize waits for the other.
    const one = await system.api.post(`/runs/${runId}/clear`, {
      taskIds: ['process_single_item[3]'],
      reason: 'carrier API recovered',
    });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    const second: RunView = await system.waitForRun(
      runId,
      60_000,
      (v) =>
        v.tasks.find((t: any) => t.taskId === 'process_single_item[3]')?.state === 'success' &&
        ['failed', 'success'].includes(v.run.state),
    );
    expect(second.run.state).toBe('failed');
    expect(second.tasks.find((t) => t.taskId === 'process_single_item[4]')!.attempt).toBe(1);
    expect(state(second, 'summarize')).toBe('upstream_failed');

    await system.api.post(`/runs/${runId}/clear`, {
      taskIds: ['process_single_item[7]'],
      reason: 'carrier API recovered',
    });
    const done: RunView = await system.waitForRun(runId, 60_000, (v) => v.run.state === 'success');
    const summary = done.tasks.find((t) => t.taskId === 'summarize')!;
    expect(summary.state).toBe('success');
    // The reduce receives every index's output in map-index order (flaky returns its attempt number).
    expect(summary.output).toEqual([1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1]);
  }, 120_000);
});
