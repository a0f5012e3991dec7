import type { RunEvent } from '@tributary/api-contract';

/** One event as `GET /runs/:id/events` answers it (the contract's RunEvent), its payload's fields readable. */
export type LoggedEvent = Omit<RunEvent, 'payload'> & { payload: Record<string, unknown> };

export interface AttemptView {
  attempt: number;
  outcome: string;
  host: string | null;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
}

const OUTCOME: Record<string, string> = {
  TaskInstanceQueued: 'queued',
  TaskInstanceStarted: 'running',
  TaskInstanceSucceeded: 'success',
  TaskInstanceFailed: 'failed',
  TaskInstanceUpForRetry: 'up_for_retry',
  TaskInstanceSkipped: 'skipped',
  TaskInstanceCancelled: 'cancelled',
};

/** An instance's attempts from its events (`?taskId=`): the latest state each reached, its host and error. */
export function attemptsOf(events: readonly LoggedEvent[]): AttemptView[] {
  const byAttempt = new Map<number, AttemptView>();
  for (const e of events) {
    if (e.attempt === null || !(e.type in OUTCOME)) continue;
    let a = byAttempt.get(e.attempt);
    if (!a)
      byAttempt.set(
        e.attempt,
        (a = {
          attempt: e.attempt,
          outcome: 'queued',
          host: null,
          startedAt: null,
          endedAt: null,
          error: null,
        }),
      );
    a.outcome = OUTCOME[e.type]!;
    if (e.type === 'TaskInstanceStarted') {
      a.startedAt = e.occurredAt;
      a.host = typeof e.payload.host === 'string' ? e.payload.host : null;
    } else if (e.type !== 'TaskInstanceQueued') a.endedAt = e.occurredAt;
    const error = e.payload.error as { type?: string; message?: string } | undefined;
    if (error?.message) a.error = `${error.type ?? 'Error'}: ${error.message}`;
  }
  return [...byAttempt.values()].sort((x, y) => x.attempt - y.attempt);
}
