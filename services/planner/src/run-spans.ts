import type { RunEvent, RunState, TaskRecord } from '@tributary/domain';
import {
  attemptSpanId,
  groupSpanId,
  runSpanId,
  taskInstanceSpanId,
  type RecordedSpan,
} from '@tributary/telemetry';

/** An attempt's times as they stood before a commit that may dispatch its next attempt. */
export interface AttemptTimes {
  attempt: number;
  queuedAt: number | null;
  startedAt: number | null;
}

/** Where an instance's span hangs: its innermost group, else the run. */
function parentOf(runId: string, groupPath: string | null): string {
  return groupPath === null ? runSpanId(runId) : groupSpanId(runId, groupPath);
}

function instanceAttributes(runId: string, rec: TaskRecord): Record<string, string | number> {
  return {
    'tributary.run.id': runId,
    'tributary.task.id': rec.taskId,
    'tributary.task.stage': rec.stagePath,
    ...(rec.groupPath === null ? {} : { 'tributary.group.path': rec.groupPath }),
    ...(rec.mapIndex === null ? {} : { 'tributary.task.map_index': rec.mapIndex }),
    ...(rec.label === null ? {} : { 'tributary.task.label': rec.label }),
  };
}

/**
 * The spans a commit completes, from its events (in order) and the state they folded into: the run's
 * span at RunCompleted/RunCancelled, a group's at GroupCompleted, an instance's when it ends, an
 * attempt's at its result. Times are the events' `at`, which is what the event log records. Ids derive
 * from the run (run-span-ids.ts), so a span emitted again (a clear re-runs an instance, a planner crashed
 * after its commit) carries the same id. `before` holds attempts this commit dispatched again, as they
 * stood before (a retry dispatched in the same commit as its failure overwrites the record's times).
 */
export function spansOfCommit(
  state: RunState,
  traceId: string,
  events: readonly RunEvent[],
  before: ReadonlyMap<string, AttemptTimes>,
): RecordedSpan[] {
  const runId = state.run.id;
  const spans: RecordedSpan[] = [];
  const queued = new Map<string, { attempt: number; at: number }>();
  const attemptStart = (rec: TaskRecord, attempt: number, end: number): number => {
    const here = queued.get(rec.taskId);
    if (here?.attempt === attempt) return here.at;
    const earlier = before.get(rec.taskId);
    if (earlier?.attempt === attempt && earlier.queuedAt !== null) return earlier.queuedAt;
    return rec.attempt === attempt && rec.queuedAt !== null ? rec.queuedAt : end;
  };
  const attempt = (
    rec: TaskRecord,
    n: number,
    at: number,
    outcome: string,
    error: string | null,
  ): RecordedSpan => {
    const node = state.index.node(rec.stagePath);
    return {
      name: `attempt ${rec.taskId} #${n}`,
      traceId,
      spanId: attemptSpanId(runId, rec.taskId, n),
      parentSpanId: taskInstanceSpanId(runId, rec.taskId),
      startTime: attemptStart(rec, n, at),
      endTime: at,
      attributes: {
        ...instanceAttributes(runId, rec),
        'tributary.attempt': n,
        ...('executor' in node ? { 'tributary.executor': node.executor } : {}),
        'tributary.outcome': outcome,
        ...(error === null ? {} : { 'tributary.error': error }),
      },
      error,
    };
  };
  const instance = (rec: TaskRecord, at: number, state: string, error: string | null): RecordedSpan => ({
    name: `task ${rec.taskId}`,
    traceId,
    spanId: taskInstanceSpanId(runId, rec.taskId),
    parentSpanId: parentOf(runId, rec.groupPath),
    startTime: Math.min(rec.firstScheduledAt ?? at, at),
    endTime: at,
    attributes: {
      ...instanceAttributes(runId, rec),
      'tributary.task.state': state,
      'tributary.attempts': rec.attempt,
      ...(error === null ? {} : { 'tributary.error': error }),
    },
    error,
  });

  for (const event of events) {
    switch (event.type) {
      case 'TaskInstanceQueued':
        queued.set(event.taskId, { attempt: event.attempt, at: event.at });
        break;
      case 'TaskInstanceSucceeded':
      case 'TaskInstanceFailed': {
        const rec = state.tasks.get(event.taskId);
        if (!rec) break;
        const error = event.type === 'TaskInstanceFailed' ? event.error.message : null;
        const outcome = error === null ? 'success' : 'failed';
        spans.push(attempt(rec, event.attempt, event.at, outcome, error));
        spans.push(instance(rec, event.at, outcome, error));
        break;
      }
      case 'TaskInstanceUpForRetry': {
        const rec = state.tasks.get(event.taskId);
        if (rec) spans.push(attempt(rec, event.attempt, event.at, 'up_for_retry', event.error.message));
        break;
      }
      case 'TaskInstanceSkipped':
      case 'TaskInstanceUpstreamFailed':
      case 'TaskInstanceCancelled': {
        const rec = state.tasks.get(event.taskId);
        if (!rec) break;
        const ended =
          event.type === 'TaskInstanceSkipped'
            ? 'skipped'
            : event.type === 'TaskInstanceUpstreamFailed'
              ? 'upstream_failed'
              : 'cancelled';
        const span = instance(rec, event.at, ended, ended === 'skipped' ? null : event.reason);
        span.attributes = { ...span.attributes, 'tributary.reason': event.reason };
        spans.push(span);
        break;
      }
      case 'TaskInstanceMarked': {
        const rec = state.tasks.get(event.taskId);
        if (rec) spans.push(instance(rec, event.at, event.state, null));
        break;
      }
      case 'GroupCompleted': {
        const group = state.groups.get(event.groupPath);
        if (!group) break;
        spans.push({
          name: `group ${group.path}`,
          traceId,
          spanId: groupSpanId(runId, group.path),
          parentSpanId: parentOf(runId, group.parentPath),
          startTime: Math.min(group.startedAt, event.at),
          endTime: event.at,
          attributes: {
            'tributary.run.id': runId,
            'tributary.group.path': group.path,
            'tributary.group.key': group.key,
            ...(group.label === null ? {} : { 'tributary.group.label': group.label }),
            'tributary.group.state': event.state,
          },
          error: event.state === 'failed' ? `group ${group.path} failed` : null,
        });
        break;
      }
      case 'RunCompleted':
      case 'RunCancelled': {
        const run = state.run;
        const ended = event.type === 'RunCompleted' ? event.state : 'cancelled';
        spans.push({
          name: `run ${run.pipelineId}`,
          traceId,
          spanId: runSpanId(runId),
          parentSpanId: null,
          startTime: Math.min(run.createdAt ?? event.at, event.at),
          endTime: event.at,
          attributes: {
            'tributary.run.id': runId,
            'tributary.pipeline.id': run.pipelineId,
            'tributary.pipeline.version': run.version,
            'tributary.run.state': ended,
            ...(event.reason ? { 'tributary.run.reason': event.reason } : {}),
          },
          error: ended === 'success' ? null : (event.reason ?? `run ${ended}`),
        });
        break;
      }
      default:
        break;
    }
  }
  return spans;
}
