import type { FinishedState } from './task-state.js';

/**
 * How a task instance's direct upstream instances stand, as a trigger rule sees them
 * (SEMANTICS.md "Counting upstreams"). A mapped upstream counts each of its indices; inside a
 * mapped group only the same index counts — the caller decides which instances are counted.
 */
export interface UpstreamCounts {
  success: number;
  skipped: number;
  failed: number;
  upstreamFailed: number;
  /** Number of upstream instances known so far (a mapped upstream counts each index). */
  total: number;
  /** False while some upstream has not been expanded yet, so `total` may still grow. */
  complete: boolean;
}

/**
 * Counts with nothing finished yet.
 *
 * @param total upstream instances known so far (0: the task has no upstream).
 * @param complete false while some upstream is not expanded yet, so `total` may still grow.
 */
export function emptyCounts(total = 0, complete = true): UpstreamCounts {
  assertCount('total', total);
  return { success: 0, skipped: 0, failed: 0, upstreamFailed: 0, total, complete };
}

/** Number of finished upstream instances (`done` in Airflow): success + skipped + failed + upstream_failed. */
export function doneCount(counts: UpstreamCounts): number {
  return counts.success + counts.skipped + counts.failed + counts.upstreamFailed;
}

/**
 * Returns new counts with one upstream instance more (`delta` 1: it finished in `state`) or
 * less (`delta` -1: it was cleared back to pending) in `state`. `total` and `complete` are
 * unchanged. Throws a RangeError when a count would go below zero or `done` above `total`
 * (the caller counted an instance twice or forgot to add it to `total`).
 */
export function addFinished(counts: UpstreamCounts, state: FinishedState, delta: 1 | -1): UpstreamCounts {
  const key = COUNT_KEY[state];
  const next: UpstreamCounts = { ...counts, [key]: counts[key] + delta };
  if (next[key] < 0) {
    throw new RangeError(`addFinished: ${state} would go below 0`);
  }
  if (doneCount(next) > next.total) {
    throw new RangeError(`addFinished: ${doneCount(next)} finished upstreams but only ${next.total} known`);
  }
  return next;
}

/**
 * Throws a RangeError unless every count is a non-negative integer and `done <= total`.
 * Inconsistent counts are a bug in the caller, never a verdict.
 */
export function assertConsistentCounts(counts: UpstreamCounts): void {
  assertCount('success', counts.success);
  assertCount('skipped', counts.skipped);
  assertCount('failed', counts.failed);
  assertCount('upstreamFailed', counts.upstreamFailed);
  assertCount('total', counts.total);
  if (doneCount(counts) > counts.total) {
    throw new RangeError(
      `UpstreamCounts: ${doneCount(counts)} finished upstreams but only ${counts.total} known`,
    );
  }
}

type CountKey = 'success' | 'skipped' | 'failed' | 'upstreamFailed';

const COUNT_KEY: Readonly<Record<FinishedState, CountKey>> = {
  success: 'success',
  skipped: 'skipped',
  failed: 'failed',
  upstream_failed: 'upstreamFailed',
};

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`UpstreamCounts.${name} must be a non-negative integer, got ${value}`);
  }
}
