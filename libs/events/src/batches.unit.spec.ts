import { describe, expect, it } from 'vitest';
import { dispatchBatchId, resultBatchId } from './batch-id.js';
import { createDispatchBatch, createResultBatch } from './batches.js';
import { AttemptOutcome } from './gen/tributary/v1/task_pb.js';

describe('createDispatchBatch', () => {
  it('fills in the deterministic batch id', () => {
    const attempts = [{ attemptId: 'r/b#1', runId: 'r', taskId: 'b', attempt: 1 }, { attemptId: 'r/a#1', runId: 'r', taskId: 'a', attempt: 1 }];
    const batch = createDispatchBatch('echo', attempts);
    expect(batch.executor).toBe('echo');
    expect(batch.attempts.map((a) => a.attemptId)).toEqual(['r/b#1', 'r/a#1']);
    expect(batch.batchId).toBe(dispatchBatchId([{ attemptId: 'r/a#1' }, { attemptId: 'r/b#1' }]));
    expect(createDispatchBatch('echo', [...attempts].reverse()).batchId).toBe(batch.batchId);
  });

  it('refuses empty batches, missing attempt ids and bad executor names', () => {
    expect(() => createDispatchBatch('echo', [])).toThrow('A dispatch batch for executor "echo" needs at least one attempt');
    expect(() => createDispatchBatch('echo', [{ attemptId: 'r/a#1' }, { taskId: 'b' }])).toThrow('Item 1 of the dispatch batch has no attemptId');
    expect(() => createDispatchBatch('my.exec', [{ attemptId: 'r/a#1' }])).toThrow('Invalid executor name "my.exec"');
  });
});

describe('createResultBatch', () => {
  it('fills in the deterministic batch id', () => {
    const batch = createResultBatch([{ attemptId: 'r/a#1', runId: 'r', outcome: AttemptOutcome.SUCCESS }]);
    expect(batch.batchId).toBe(resultBatchId([{ attemptId: 'r/a#1' }]));
    expect(batch.results[0]!.outcome).toBe(AttemptOutcome.SUCCESS);
  });

  it('refuses empty batches and results of several runs', () => {
    expect(() => createResultBatch([])).toThrow('A result batch needs at least one result');
    expect(() => createResultBatch([{ attemptId: 'r1/a#1', runId: 'r1' }, { attemptId: 'r2/a#1', runId: 'r2' }])).toThrow(
      'A result batch belongs to one run, got results of 2 runs: "r1", "r2"',
    );
  });
});
