import { describe, expect, it } from 'vitest';
import { RunHarness, planOf } from './run.fixture.js';
import { runViewOf } from './run-view.js';
import { initialRunState } from './run-state.js';
import { evolve } from './run-evolve.js';
import { MARKETS, ok } from './run-decide.fixture.js';

describe('run decider: replay', () => {
  it('folding the decided events from scratch reproduces the state', () => {
    const run = new RunHarness(planOf(MARKETS));
    run.start({ markets: ['LU', 'PT', 'GR'] });
    run.drive((taskId, attempt) =>
      taskId === 'market=GR/generate' && attempt === 1 ? { outcome: 'failed' } : ok(taskId),
    );
    run.send({
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=GR/generate'],
      downstream: true,
      onlyFailed: false,
      actor: 'a',
      reason: 'r',
    });
    run.drive(() => ok('x'));
    const replayed = run.events.reduce(evolve, initialRunState(run.plan));
    expect(runViewOf(replayed)).toEqual(runViewOf(run.state));
    expect(replayed.unfinished).toBe(run.state.unfinished);
  });
});
