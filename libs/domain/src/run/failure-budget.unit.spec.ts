import { describe, expect, it } from 'vitest';
import { RunHarness, planOf, type Outcome } from './run.fixture.js';
import { consolidationVerdict } from './run-decide.js';
import { explainConsolidationVerdict } from './consolidation-verdict.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';
import { parsePipelineSpec } from '../spec/parse-pipeline-spec.js';
import type { AttemptPayload } from './attempt-payload.js';

const specWith = (consolidate: string): string => `
id: budget
params:
  type: object
  properties: { markets: { type: array, items: { type: string } } }
stages:
  - group: market
    over: params.markets
    stages:
      - id: evaluate
        executor: judge
      - id: report
        executor: report
consolidate:
  executor: consolidate
${consolidate}
`;

const MARKETS = ['LU', 'PT', 'GR', 'DE'];
const ok = (): Outcome => ({ outcome: 'success', output: 1 });
/** Fails `market=<M>/evaluate` (fatal) for each market in `failing`. */
const failing =
  (...markets: string[]) =>
  (taskId: string): Outcome =>
    markets.some((m) => taskId === `market=${m}/evaluate`)
      ? { outcome: 'failed', error: { retryable: false } }
      : ok();

/** Drives a planner-path run and returns the consolidation's dispatch, if it was dispatched. */
function drivePlanner(consolidate: string, answer: (taskId: string) => Outcome) {
  const run = new RunHarness(planOf(specWith(consolidate)));
  run.start({ markets: MARKETS });
  let consolidation: AttemptPayload | undefined;
  const send = run.send.bind(run);
  run.send = (command) => {
    const decision = send(command);
    consolidation ??= decision.dispatches.find((d) => d.taskId === 'consolidate');
    return decision;
  };
  run.drive(answer);
  return { run, consolidation };
}

describe('failure budget (consolidate.tolerate), planner path', () => {
  it('given failedGroups 1 and exactly one failed group, then the consolidation runs with the failed group marked in its input', () => {
    const { run, consolidation } = drivePlanner('  tolerate: { failedGroups: 1 }', failing('PT'));
    expect(run.state.groups.get('market=PT')!.state).toBe('failed');
    expect(run.stateOf('consolidate')).toBe('success');
    expect(run.state.run.status).toBe('success');
    const upstream = consolidation!.upstream as {
      groups: { path: string; state: string }[];
      failedGroups: string[];
    };
    expect(upstream.failedGroups).toEqual(['market=PT']);
    expect(upstream.groups.find((g) => g.path === 'market=PT')!.state).toBe('failed');
    expect(upstream.groups.filter((g) => g.state === 'success').map((g) => g.path)).toEqual([
      'market=LU',
      'market=GR',
      'market=DE',
    ]);
  });

  it('given failedGroups 1 and two failed groups (one over), then the consolidation is upstream_failed with the budget as reason', () => {
    const { run, consolidation } = drivePlanner('  tolerate: { failedGroups: 1 }', failing('PT', 'GR'));
    expect(consolidation).toBeUndefined();
    expect(run.stateOf('consolidate')).toBe('upstream_failed');
    const [event] = run.eventsOfType('TaskInstanceUpstreamFailed').filter((e) => e.taskId === 'consolidate');
    expect(event!.reason).toBe('failure budget exceeded: 2 of 4 group(s) failed, tolerate failedGroups 1');
    expect(run.state.run.status).toBe('failed');
  });

  it('given failedPercent 25 of 4 groups: one failed (25 %) runs, two failed (50 %) is upstream_failed', () => {
    expect(drivePlanner('  tolerate: { failedPercent: 25 }', failing('DE')).run.stateOf('consolidate')).toBe(
      'success',
    );
    const over = drivePlanner('  tolerate: { failedPercent: 25 }', failing('DE', 'LU')).run;
    expect(over.stateOf('consolidate')).toBe('upstream_failed');
    expect(
      over.eventsOfType('TaskInstanceUpstreamFailed').find((e) => e.taskId === 'consolidate')!.reason,
    ).toBe('failure budget exceeded: 2 of 4 group(s) failed (50%), tolerate failedPercent 25');
  });

  it('given both bounds, both must hold: failedGroups 2 and failedPercent 25 with two failed is upstream_failed', () => {
    const { run } = drivePlanner('  tolerate: { failedGroups: 2, failedPercent: 25 }', failing('DE', 'LU'));
    expect(run.stateOf('consolidate')).toBe('upstream_failed');
  });

  it('given all_done and failedGroups 0, a failed group makes the consolidation upstream_failed (the budget is a gate on any rule)', () => {
    const { run } = drivePlanner('  triggerRule: all_done\n  tolerate: { failedGroups: 0 }', failing('LU'));
    expect(run.stateOf('consolidate')).toBe('upstream_failed');
    expect(
      drivePlanner('  triggerRule: all_done\n  tolerate: { failedGroups: 0 }', ok).run.stateOf('consolidate'),
    ).toBe('success');
  });

  it('given none_failed_min_one_success and every group failed within a 100 % budget, then it is upstream_failed (no success)', () => {
    const rule = '  triggerRule: none_failed_min_one_success\n  tolerate: { failedPercent: 100 }';
    const { run } = drivePlanner(rule, failing(...MARKETS));
    expect(run.stateOf('consolidate')).toBe('upstream_failed');
    // all_success leaves the tolerated groups out of the rule: with only tolerated failures it runs.
    expect(
      drivePlanner('  tolerate: { failedPercent: 100 }', failing(...MARKETS)).run.stateOf('consolidate'),
    ).toBe('success');
  });

  it('waits for every group (no fast upstream_failed) while a group still runs, though a failure already happened', () => {
    const run = new RunHarness(planOf(specWith('  tolerate: { failedGroups: 1 }')));
    run.start({ markets: ['LU', 'PT'] });
    const dispatched = run.send({ type: 'DispatchTasks', runId: 'run-1', taskIds: [...run.state.scheduled] });
    const lu = dispatched.dispatches.find((d) => d.taskId === 'market=LU/evaluate')!;
    run.send({ type: 'RecordTaskStarted', runId: 'run-1', taskId: lu.taskId, attempt: 1, host: 'h' });
    run.send({
      type: 'RecordTaskResult',
      runId: 'run-1',
      taskId: lu.taskId,
      attempt: 1,
      outcome: 'failed',
      error: { message: 'x', type: 'E', retryable: false },
    });
    expect(run.state.groups.get('market=LU')!.state).toBe('failed');
    expect(run.stateOf('consolidate')).toBe('pending');
    expect(consolidationVerdict(run.state)).toBe('wait');
  });

  it('folding the events from scratch gives the same consolidation state (replay)', () => {
    const { run } = drivePlanner('  tolerate: { failedGroups: 1 }', failing('PT', 'GR'));
    const replayed = initialRunState(run.plan);
    for (const event of run.events) evolve(replayed, event);
    expect(replayed.tasks.get('consolidate')!.state).toBe('upstream_failed');
    expect(replayed.run.status).toBe(run.state.run.status);
  });
});

describe('failure budget, fan-in path (consolidationVerdict, used by the consolidator)', () => {
  const driveFanIn = (answer: (taskId: string) => Outcome) => {
    const run = new RunHarness(planOf(specWith('  tolerate: { failedGroups: 1 }')));
    run.send({
      type: 'StartRun',
      runId: 'run-1',
      pipelineId: 'budget',
      version: 1,
      params: { markets: MARKETS },
      idempotencyKey: null,
      actor: 't',
      consolidationVia: 'fan-in',
    });
    run.drive(answer);
    return run;
  };

  it('exactly at the budget the verdict is run; one over it is upstream_failed with the reason', () => {
    const at = driveFanIn(failing('PT'));
    expect(at.stateOf('consolidate')).toBe('pending');
    expect(consolidationVerdict(at.state)).toBe('run');
    expect(explainConsolidationVerdict(at.state)!.reason).toBe(
      'trigger rule all_success with 1 tolerated failed group(s) left out',
    );
    const over = driveFanIn(failing('PT', 'LU'));
    expect(consolidationVerdict(over.state)).toBe('upstream_failed');
    expect(explainConsolidationVerdict(over.state)!.reason).toMatch(/^failure budget exceeded: 2 of 4/);
    // The planner records what the consolidator decided.
    const recorded = over.send({
      type: 'RecordConsolidationResult',
      runId: 'run-1',
      round: 1,
      outcome: 'upstream_failed',
      error: { message: 'failure budget exceeded', type: 'TriggerRule', retryable: false },
      host: 'c',
      startedAt: over.now,
      finishedAt: over.now,
    });
    expect(recorded.rejection).toBeNull();
    expect(over.stateOf('consolidate')).toBe('upstream_failed');
  });
});

describe('tolerate in the spec', () => {
  const issuesOf = (consolidate: string, stages?: string) => {
    const text = stages
      ? specWith(consolidate).replace(/stages:[\s\S]*consolidate:/, `${stages}\nconsolidate:`)
      : specWith(consolidate);
    const parsed = parsePipelineSpec(text, 'yaml');
    return parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('is refused with a rule that does not wait for every group', () => {
    expect(issuesOf('  triggerRule: one_success\n  tolerate: { failedGroups: 1 }')).toEqual([
      '/consolidate/tolerate: tolerate does not combine with triggerRule one_success: a failure budget needs a rule that waits for every group (all_success, all_done, all_done_min_one_success, none_failed, none_failed_min_one_success, none_skipped)',
    ]);
  });

  it('needs a bound, and bounds in range', () => {
    expect(issuesOf('  tolerate: {}')).toEqual([
      '/consolidate/tolerate: tolerate needs failedGroups or failedPercent (or both)',
    ]);
    expect(issuesOf('  tolerate: { failedPercent: 120 }')).toEqual([
      '/consolidate/tolerate/failedPercent: failedPercent must be a number from 0 to 100, got 120',
    ]);
    expect(issuesOf('  tolerate: { failedGroups: 1.5 }')).toEqual([
      '/consolidate/tolerate/failedGroups: failedGroups must be a non-negative integer, got 1.5',
    ]);
  });

  it('is refused without a top-level group block', () => {
    expect(issuesOf('  tolerate: { failedGroups: 1 }', 'stages:\n  - id: a\n    executor: noop')).toEqual([
      '/consolidate/tolerate: tolerate counts failed groups, but the pipeline has no top-level group block',
    ]);
  });
});
