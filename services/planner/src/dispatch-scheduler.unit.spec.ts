import { describe, expect, it } from 'vitest';
import { compilePlan, decide, initialRunState, parsePipelineSpec, type RunState } from '@tributary/domain';
import { DispatchScheduler, NO_SHARED_LIMITS } from './dispatch-scheduler.js';

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
    const scheduler = new DispatchScheduler();
    const state = startedRun('r1', WIDE, 1000);
    expect(scheduler.choose([state], 1000, NO_SHARED_LIMITS).get('r1')).toHaveLength(3);
  });

  it('admits only the oldest maxActiveRuns runs of a pipeline', () => {
    const older = startedRun('r-old', WIDE, 1000);
    const scheduler = new DispatchScheduler();
    const newer = startedRun('r-new', WIDE, 2000);
    const chosen = scheduler.choose([older, newer], 2000, NO_SHARED_LIMITS);
    expect(chosen.get('r-old')).toHaveLength(3);
    expect(chosen.has('r-new')).toBe(false);
  });

  const POOLED = `
id: pooled
stages:
  - { id: call, executor: noop, map: '[1, 2, 3, 4, 5]', pool: api }
pools: { api: { slots: 3, ratePerSecond: 100 } }
`;

  it('counts a pool’s instances active on other replicas (shared limits)', () => {
    const scheduler = new DispatchScheduler();
    const state = startedRun('r1', POOLED, 1000);
    expect(scheduler.sharedNeeds([state])).toEqual({ pools: ['api'], pipelines: [] });
    const shared = {
      pools: new Map([['api', { activeElsewhere: 2, bucket: undefined }]]),
      runSlots: new Map(),
    };
    expect(scheduler.choose([state], 1000, shared).get('r1')).toHaveLength(1);
    // The bucket spent one token of a full 100: what the engine stores for the other replicas.
    expect(scheduler.bucketsOf(['api']).get('api')).toEqual({ tokens: 99, updatedAtMs: 1000 });
  });

  it('uses the token bucket another replica stored', () => {
    const scheduler = new DispatchScheduler();
    const state = startedRun('r1', POOLED, 1000);
    const shared = {
      pools: new Map([['api', { activeElsewhere: 0, bucket: { tokens: 0, updatedAtMs: 1000 } }]]),
      runSlots: new Map(),
    };
    expect(scheduler.choose([state], 1000, shared).has('r1')).toBe(false);
    expect(scheduler.nextWakeMs).toBe(1010); // one token at 100/s
  });

  it('admits by every replica’s runs (shared maxActiveRuns): a held slot stays held, waiting runs queue oldest first', () => {
    const scheduler = new DispatchScheduler();
    const state = startedRun('r-new', WIDE, 2000);
    expect(scheduler.sharedNeeds([state])).toEqual({
      pools: [],
      pipelines: [{ pipelineId: 'wide', maxActiveRuns: 1 }],
    });
    const slots = (admitted: number, waiting: { runId: string; createdAtMs: number }[]) => ({
      pools: new Map(),
      runSlots: new Map([['wide', { admitted, waiting }]]),
    });
    // Another replica's run holds the one slot, even though this run is older.
    const older = startedRun('r-older', WIDE, 500);
    expect(scheduler.choose([older], 2000, slots(1, [])).has('r-older')).toBe(false);
    // A free slot goes to the oldest waiting run: not this one while an older one waits elsewhere…
    expect(
      scheduler.choose([state], 2000, slots(0, [{ runId: 'r-other', createdAtMs: 1000 }])).has('r-new'),
    ).toBe(false);
    // …and to this one when it is the oldest waiting.
    const chosen = scheduler
      .choose([state], 2000, slots(0, [{ runId: 'r-later', createdAtMs: 3000 }]))
      .get('r-new');
    expect(chosen).toHaveLength(3);
    // It dispatches two of them (the engine's DispatchTasks): from now on it holds its slot…
    decide(
      state,
      { type: 'DispatchTasks', runId: 'r-new', taskIds: chosen!.slice(0, 2) },
      { now: 2000, random: () => 0.5 },
    );
    expect(state.run.admittedAt).toBe(2000);
    // …even when an older run waits and another replica's run is admitted too (as a reopened run may be).
    expect(
      scheduler.choose([state], 2100, slots(1, [{ runId: 'r-oldest', createdAtMs: 1 }])).get('r-new'),
    ).toHaveLength(1);
  });
});
