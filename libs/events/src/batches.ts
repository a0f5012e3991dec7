/**
 * Builders of the batch messages: they enforce "1..N items" and fill in the
 * deterministic batch id, so every publisher derives `Nats-Msg-Id` the same way.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { dispatchBatchId, resultBatchId } from './batch-id.js';
import {
  AttemptDispatchSchema,
  AttemptResultSchema,
  DispatchBatchSchema,
  ResultBatchSchema,
  RunContextSchema,
  SlotContextSchema,
  type DispatchBatch,
  type ResultBatch,
} from './gen/tributary/v1/task_pb.js';
import { assertSubjectToken } from './subject-token.js';

/**
 * A {@link DispatchBatch} for `executor` with its batch id computed from the attempt ids.
 * Throws when `attempts` is empty, an attempt has no `attemptId`, or `executor`
 * is not a valid subject token.
 */
export function createDispatchBatch(
  executor: string,
  attempts: ReadonlyArray<MessageInitShape<typeof AttemptDispatchSchema>>,
  /** Per-run context shared by the attempts (their params), see `RunContext` in task.proto. */
  runs: ReadonlyArray<MessageInitShape<typeof RunContextSchema>> = [],
  /** Per-slot context shared by the attempts (their upstream outputs), see `SlotContext` in task.proto. */
  slots: ReadonlyArray<MessageInitShape<typeof SlotContextSchema>> = [],
): DispatchBatch {
  assertSubjectToken('executor name', executor);
  if (attempts.length === 0) throw new RangeError(`A dispatch batch for executor "${executor}" needs at least one attempt`);
  const messages = attempts.map((attempt) => create(AttemptDispatchSchema, attempt));
  assertAttemptIds('dispatch', messages);
  return create(DispatchBatchSchema, {
    batchId: dispatchBatchId(messages),
    executor,
    attempts: messages,
    runs: runs.map((run) => create(RunContextSchema, run)),
    slots: slots.map((slot) => create(SlotContextSchema, slot)),
  });
}

/**
 * A {@link ResultBatch} with its batch id computed from the attempt ids. Throws when
 * `results` is empty, a result has no `attemptId`, or the results span several runs
 * (a result batch is published on one run's subject).
 */
export function createResultBatch(results: ReadonlyArray<MessageInitShape<typeof AttemptResultSchema>>): ResultBatch {
  if (results.length === 0) throw new RangeError('A result batch needs at least one result');
  const messages = results.map((result) => create(AttemptResultSchema, result));
  assertAttemptIds('result', messages);
  const runIds = new Set(messages.map((result) => result.runId));
  if (runIds.size > 1) {
    throw new RangeError(`A result batch belongs to one run, got results of ${runIds.size} runs: ${[...runIds].map((id) => JSON.stringify(id)).join(', ')}`);
  }
  return create(ResultBatchSchema, { batchId: resultBatchId(messages), results: messages });
}

function assertAttemptIds(kind: string, items: ReadonlyArray<{ readonly attemptId: string }>): void {
  const missing = items.findIndex((item) => item.attemptId === '');
  if (missing >= 0) throw new RangeError(`Item ${missing} of the ${kind} batch has no attemptId`);
}
