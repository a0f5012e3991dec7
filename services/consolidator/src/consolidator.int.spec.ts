import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptOutcome, epochMsFromTimestamp } from '@tributary/events';
import { RecordedRun } from '@tributary/run-fixtures';
import {
  TRACE_ID,
  db,
  failPT,
  output,
  pipeline,
  results,
  startConsolidatorUnderTest,
  stopConsolidatorUnderTest,
  trigger,
} from './test-fixtures/consolidator-under-test.js';

describe('consolidator service (Postgres + NATS JetStream, no planner)', () => {
  beforeAll(startConsolidatorUnderTest);
  afterAll(stopConsolidatorUnderTest);

  it('runs the consolidation in-process over every group and publishes ONE result; a redelivered trigger adds none', async () => {
    const run = await RecordedRun.start(
      db,
      pipeline(
        'cons-gather',
        '  executor: gather\n  triggerRule: all_done\n  with: { title: "${{ params.markets[0] }}" }',
      ),
      { markets: ['LU', 'PT'] },
    );
    await run.drive(failPT);
    await trigger(run.runId, 1);

    const first = await results(run.runId);
    expect(first.count).toBe(1);
    expect(first.result).toMatchObject({
      attemptId: `${run.runId}/consolidate#1`,
      runId: run.runId,
      taskId: 'consolidate',
      attempt: 1,
      consolidationRound: 1,
      outcome: AttemptOutcome.SUCCESS,
      executor: 'gather',
      host: 'consolidator-test',
    });
    expect(output(first.result)).toEqual({
      attempt: 1,
      input: { title: 'LU' },
      groups: [
        {
          path: 'market=LU',
          state: 'success',
          outputs: { fetch: 'market=LU/fetch ok', score: 'market=LU/score ok' },
        },
        { path: 'market=PT', state: 'failed', outputs: { fetch: 'market=PT/fetch ok', score: null } },
      ],
    });
    expect(first.result!.logs.map((l) => [l.level, l.message])).toEqual([['info', 'gathering']]);
    const started = epochMsFromTimestamp(first.result!.startedAt!);
    const finished = epochMsFromTimestamp(first.result!.finishedAt!);
    expect(started.ok && finished.ok && finished.ms >= started.ms).toBe(true);
    expect(first.headers!['nats-msg-id']).toBe(first.batchId);
    expect(first.headers!['traceparent']).toContain(TRACE_ID);

    // Redelivery (the same round under another message id): the same batch id, dropped by JetStream.
    await trigger(run.runId, 1, `again-${randomUUID()}`);
    expect((await results(run.runId)).count).toBe(1);
  });

  it('acknowledges stale triggers without a result: groups still running, round already recorded, superseded', async () => {
    const spec = pipeline('cons-stale', '  executor: echo\n  triggerRule: all_done');
    const running = await RecordedRun.start(db, spec, { markets: ['LU'] });
    await trigger(running.runId, 1);
    expect((await results(running.runId)).count).toBe(0);

    const recorded = await RecordedRun.start(db, spec, { markets: ['LU'] });
    await recorded.drive();
    await recorded.send({
      type: 'RecordConsolidationResult',
      runId: recorded.runId,
      round: 1,
      outcome: 'success',
      output: null,
      host: 'elsewhere',
      startedAt: recorded.now,
      finishedAt: recorded.now,
    });
    await trigger(recorded.runId, 1);
    await trigger(recorded.runId, 2);
    expect((await results(recorded.runId)).count).toBe(0);

    const superseded = await RecordedRun.start(db, spec, { markets: ['LU'] });
    await superseded.drive();
    await db
      .insertInto('fan_in_runs')
      .values({ run_id: superseded.runId, blocks_total: 1, blocks_seen: 1, round: 3, armed: false })
      .execute();
    await trigger(superseded.runId, 2);
    expect((await results(superseded.runId)).count).toBe(0);
    await trigger(superseded.runId, 3);
    expect((await results(superseded.runId)).result).toMatchObject({
      consolidationRound: 3,
      outcome: AttemptOutcome.SUCCESS,
    });
  });

  it('applies the trigger rule without running the handler: UPSTREAM_FAILED / SKIPPED naming the rule', async () => {
    const strict = await RecordedRun.start(
      db,
      pipeline('cons-strict', '  executor: gather\n  triggerRule: all_success'),
      {
        markets: ['LU', 'PT'],
      },
    );
    await strict.drive(failPT);
    await trigger(strict.runId, 1);
    const failed = (await results(strict.runId)).result!;
    expect(failed).toMatchObject({
      outcome: AttemptOutcome.UPSTREAM_FAILED,
      consolidationRound: 1,
      outputJson: new Uint8Array(),
    });
    expect(failed.error?.message).toBe(
      'trigger rule all_success over 2 group(s): 1 success, 1 failed: upstream_failed',
    );

    const onFailure = await RecordedRun.start(
      db,
      pipeline('cons-one-failed', '  executor: gather\n  triggerRule: one_failed'),
      {
        markets: ['LU', 'PT'],
      },
    );
    await onFailure.drive();
    await trigger(onFailure.runId, 1);
    const skipped = (await results(onFailure.runId)).result!;
    expect(skipped.outcome).toBe(AttemptOutcome.SKIPPED);
    expect(skipped.error?.message).toMatch(
      /^trigger rule one_failed over 2 group\(s\): 2 success, 0 failed: skipped$/,
    );
  });
});
