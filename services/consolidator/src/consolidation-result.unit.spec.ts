import { describe, expect, it } from 'vitest';
import { AttemptOutcome, epochMsFromTimestamp, jsonFromBytes, resultBatchId } from '@tributary/events';
import { consolidationResultBatch, type ConsolidationResult } from './consolidation-result.js';

const base: ConsolidationResult = {
  runId: 'run-1',
  round: 3,
  taskId: 'consolidate',
  attempt: 2,
  outcome: AttemptOutcome.SUCCESS,
  output: { groups: 2 },
  startedAt: 1_700_000_000_000,
  finishedAt: 1_700_000_000_250,
  executor: 'consolidate',
  host: 'h1',
  logs: [{ at: 1_700_000_000_100, level: 'info', message: 'hello', fields: { n: 1 } }],
};

describe('consolidation result batch', () => {
  it('carries one AttemptResult for the round, with a batch id derived from `<runId>/consolidate#<round>` only', () => {
    const batch = consolidationResultBatch(base);
    expect(batch.batchId).toBe(resultBatchId([{ attemptId: 'run-1/consolidate#3' }]));
    const [result] = batch.results;
    expect(result).toMatchObject({
      attemptId: 'run-1/consolidate#3',
      runId: 'run-1',
      taskId: 'consolidate',
      attempt: 2,
      consolidationRound: 3,
      outcome: AttemptOutcome.SUCCESS,
      executor: 'consolidate',
      host: 'h1',
    });
    expect(jsonFromBytes(result!.outputJson)).toEqual({ ok: true, value: { groups: 2 } });
    expect(epochMsFromTimestamp(result!.finishedAt!)).toEqual({ ok: true, ms: 1_700_000_000_250 });
    expect(result!.logs.map((l) => [l.level, l.message, new TextDecoder().decode(l.fieldsJson)])).toEqual([
      ['info', 'hello', '{"n":1}'],
    ]);
    // A redelivered trigger answered with another output or time still dedupes as the same message.
    const again = consolidationResultBatch({
      ...base,
      output: { groups: 3 },
      finishedAt: base.finishedAt + 1,
    });
    expect(again.batchId).toBe(batch.batchId);
    expect(consolidationResultBatch({ ...base, round: 4 }).batchId).not.toBe(batch.batchId);
  });

  it('sends no output but the error for outcomes other than success', () => {
    const [result] = consolidationResultBatch({
      ...base,
      outcome: AttemptOutcome.UPSTREAM_FAILED,
      output: undefined,
      error: {
        message: 'trigger rule all_success over 2 group(s): 1 success, 1 failed: upstream_failed',
        type: 'TriggerRule',
        retryable: false,
      },
      logs: [],
    }).results;
    expect(result!.outputJson).toHaveLength(0);
    expect(result!.error).toMatchObject({ type: 'TriggerRule', retryable: false });
    expect(result!.error!.message).toContain('all_success');
  });
});
