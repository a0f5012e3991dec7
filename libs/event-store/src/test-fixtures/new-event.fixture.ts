import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../events/stored-event.js';

/** An event of `runId` with a fresh id; override any field. */
export function newEvent(runId: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    runId,
    type: 'TaskInstanceSucceeded',
    taskId: 'market=LU/generate',
    attempt: 1,
    payload: { output: { queries: ['a', 'b'] }, durationMs: 12 },
    actor: 'planner',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    occurredAt: new Date('2026-11-22T10:00:00.123Z'),
    ...overrides,
  };
}

/** A unique run id, so tests in one database never share a run. */
export function newRunId(label = 'run'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
