import { describe, expect, it } from 'vitest';
import { compilePlan, decide, initialRunState, parsePipelineSpec, type RunState } from '@tributary/domain';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { RunCache } from './run-cache.js';

function startedRun(runId: string, yaml: string, createdAt: number): RunState {
  const parsed = parsePipelineSpec(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const state = initialRunState(compilePlan(parsed.spec));
  decide(
    state,
    {
      type: 'StartRun',
      runId,
      pipelineId: parsed.spec.id,
      version: 1,
      params: {},
      idempotencyKey: null,
      actor: 't',
    },
    { now: createdAt, random: () => 0.5 },
  );
  return state;
}

const WIDE = `
id: wide
limits: { maxActiveRuns: 1, maxActiveTasks: 3 }
stages:
  - { id: work, executor: noop, map: '[1, 2, 3, 4, 5]' }
`;

describe('dispatch scheduler', () => {
  it('dispatches a run in the commit that creates it, before it is cached', () => {
    const scheduler = new DispatchScheduler(new RunCache());
    const state = startedRun('r1', WIDE, 1000);
    expect(scheduler.choose([state], 1000).get('r1')).toHaveLength(3);
  });

  it('admits only the oldest maxActiveRuns runs of a pipeline', () => {
    const cache = new RunCache();
    const older = startedRun('r-old', WIDE, 1000);
    cache.set('r-old', { state: older, lastRunSeq: 1, traceparent: null });
    const scheduler = new DispatchScheduler(cache);
    const newer = startedRun('r-new', WIDE, 2000);
    const chosen = scheduler.choose([older, newer], 2000);
    expect(chosen.get('r-old')).toHaveLength(3);
    expect(chosen.has('r-new')).toBe(false);
  });
});
