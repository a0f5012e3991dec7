/**
 * Deterministic batch ids, used as `Nats-Msg-Id` so JetStream drops a batch
 * re-published by the outbox: the same attempts give the same id whatever
 * their order.
 */
import { createHash } from 'node:crypto';

/** The message kinds that travel in batches. */
export type BatchKind = 'dispatch' | 'result';

/**
 * `<kind>-<sha256 hex>` over the sorted keys (code-unit order, serialised as a
 * JSON array so no two key lists collide). Order-independent; duplicates count.
 */
export function batchId(kind: BatchKind, keys: Iterable<string>): string {
  const sorted = Array.from(keys).sort();
  const digest = createHash('sha256').update(JSON.stringify(sorted), 'utf8').digest('hex');
  return `${kind}-${digest}`;
}

/** Batch id of a dispatch batch: keyed by the attempt ids (`runId/taskId#n`). */
export function dispatchBatchId(attempts: Iterable<{ readonly attemptId: string }>): string {
  return batchId('dispatch', Array.from(attempts, (attempt) => attempt.attemptId));
}

/** Batch id of a result batch: keyed by the attempt ids (one result per attempt). */
export function resultBatchId(results: Iterable<{ readonly attemptId: string }>): string {
  return batchId('result', Array.from(results, (result) => result.attemptId));
}
