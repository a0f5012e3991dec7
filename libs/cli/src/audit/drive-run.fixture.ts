import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import {
  affectedBy,
  compilePlan,
  decide,
  initialRunState,
  parsePipelineSpec,
  taskIdOfEvent,
  attemptOfEvent,
  type RunCommand,
  type RunState,
} from '@tributary/domain';
import { appendEvents, savePipelineVersion, writeRunProjection, type Database } from '@tributary/event-store';

const SPEC = `
id: audit-test
stages:
  - group: market
    over: [LU, PT]
    stages:
      - id: fetch
        executor: noop
      - id: report
        executor: echo
consolidate:
  executor: noop
`;

/** Drives a run the way the planner does: decide, then append the events with their projection in one transaction. */
export async function driveRun(db: Kysely<Database>, runId: string): Promise<RunState> {
  const parsed = parsePipelineSpec(SPEC, 'yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const { pipeline } = await savePipelineVersion(db, { spec: parsed.spec, source: SPEC, createdBy: 'test' });
  const state = initialRunState(compilePlan(pipeline.spec));
  let now = Date.parse('2024-06-11T10:00:00.000Z');
  const apply = async (command: RunCommand) => {
    now += 10;
    const { events } = decide(state, command, { now, random: () => 0.5 });
    if (events.length === 0) return;
    await appendEvents(db, {
      events: events.map((event) => ({
        eventId: randomUUID(),
        runId,
        type: event.type,
        taskId: taskIdOfEvent(event),
        attempt: attemptOfEvent(event),
        payload: event,
        actor: 'test',
        occurredAt: new Date(event.at),
      })),
      project: (trx) => writeRunProjection(trx, state, affectedBy(state, events)),
    });
  };
  await apply({
    type: 'StartRun',
    runId,
    pipelineId: 'audit-test',
    version: pipeline.version,
    params: {},
    idempotencyKey: null,
    actor: 'test',
    consolidationVia: 'planner',
  });
  for (let round = 0; round < 20 && state.run.status === 'running'; round += 1) {
    const scheduled = [...state.tasks.values()].filter((t) => t.state === 'scheduled').map((t) => t.taskId);
    if (scheduled.length > 0) await apply({ type: 'DispatchTasks', runId, taskIds: scheduled });
    for (const task of [...state.tasks.values()].filter((t) => t.state === 'queued')) {
      await apply({
        type: 'RecordTaskStarted',
        runId,
        taskId: task.taskId,
        attempt: task.attempt,
        host: 'test',
      });
      await apply({
        type: 'RecordTaskResult',
        runId,
        taskId: task.taskId,
        attempt: task.attempt,
        outcome: 'success',
        output: { n: round },
      });
    }
  }
  expect(state.run.status).toBe('success');
  return state;
}
