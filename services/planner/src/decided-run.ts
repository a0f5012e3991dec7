import { randomUUID } from 'node:crypto';
import { attemptOfEvent, taskIdOfEvent, type AttemptPayload, type RunEvent } from '@tributary/domain';
import type { NewEvent } from '@tributary/event-store';
import { traceIdOfTraceparent } from '@tributary/telemetry';
import type { CachedRun } from './run-cache.js';
import type { AttemptTimes } from './run-spans.js';

/** One run decided in this commit: its cached entry, and the events and dispatches the commit records for it. */
export interface DecidedRun {
  runId: string;
  entry: CachedRun;
  events: RunEvent[];
  dispatches: AttemptPayload[];
  actor: string;
}

/** The runs of a commit, with the head they will have and their attempts' times before it (for spans). */
export type CommittedRuns = Map<
  string,
  { entry: CachedRun; lastRunSeq: number; before: Map<string, AttemptTimes> }
>;

/** The log rows of the decided events: fresh ids, the run's trace, the event's actor or the work's. */
export function newEventsOf(decided: readonly DecidedRun[]): NewEvent[] {
  const newEvents: NewEvent[] = [];
  for (const d of decided) {
    const traceId = traceIdOfTraceparent(d.entry.traceparent);
    for (const event of d.events) {
      newEvents.push({
        eventId: randomUUID(),
        runId: d.runId,
        type: event.type,
        taskId: taskIdOfEvent(event),
        attempt: attemptOfEvent(event),
        payload: event,
        actor: 'actor' in event && typeof event.actor === 'string' ? event.actor : d.actor,
        traceId,
        occurredAt: new Date(event.at),
      });
    }
  }
  return newEvents;
}
