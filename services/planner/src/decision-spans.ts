import {
  emitRecordedSpan,
  recordedSpansExported,
  recordSpanInTrace,
  traceIdOfTraceparent,
} from '@tributary/telemetry';
import type { CachedRun } from './run-cache.js';
import { spansOfCommit, type AttemptTimes } from './run-spans.js';
import type { RunWorkOutcome } from './run-work.js';

/** One `planner.decide` span per run in that run's trace: the transaction served many runs at once. */
export function traceDecisions(
  outcomes: readonly RunWorkOutcome[],
  committed: ReadonlyMap<string, { entry: CachedRun }>,
  startedAt: number,
): void {
  for (const outcome of outcomes) {
    if (outcome.events.length === 0) continue;
    const types = new Map<string, number>();
    for (const event of outcome.events) types.set(event.type, (types.get(event.type) ?? 0) + 1);
    recordSpanInTrace('planner.decide', {
      traceparent: committed.get(outcome.runId)?.entry.traceparent,
      startTime: startedAt,
      attributes: {
        'tributary.run_id': outcome.runId,
        'tributary.events': outcome.events.length,
        'tributary.event_types': [...types].map(([type, n]) => `${type}×${n}`).join(', '),
        'tributary.runs_in_transaction': outcomes.length,
      },
    });
  }
}

/**
 * The run's own spans (run, groups, instances, attempts) that this commit completed, emitted after the
 * commit (so rolled-back work has none) with the times the event log recorded. A planner that crashes
 * between commit and export loses them; one that re-decides after a crash may emit one twice, with
 * the same span id (trace backends keep one).
 */
export function emitRunSpans(
  outcomes: readonly RunWorkOutcome[],
  committed: ReadonlyMap<string, { entry: CachedRun; before: ReadonlyMap<string, AttemptTimes> }>,
): void {
  if (!recordedSpansExported()) return;
  for (const outcome of outcomes) {
    if (outcome.events.length === 0) continue;
    const run = committed.get(outcome.runId);
    const traceId = traceIdOfTraceparent(run?.entry.traceparent ?? null);
    if (!run || !traceId) continue;
    for (const span of spansOfCommit(run.entry.state, traceId, outcome.events, run.before))
      emitRecordedSpan(span);
  }
}
