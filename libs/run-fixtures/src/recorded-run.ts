import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { JetStreamClient } from '@nats-io/jetstream';
import {
  affectedBy,
  compilePlan,
  decide,
  initialRunState,
  parsePipelineSpec,
  type CompiledPlan,
  type ConsolidationVia,
  type RunCommand,
  type RunEvent,
  type RunState,
} from '@tributary/domain';
import {
  appendEvents,
  savePipelineVersion,
  writeRunProjection,
  type Database,
  type StoredEvent,
} from '@tributary/event-store';
import { encodeRunEvent, type Subjects } from '@tributary/events';
import { publish } from '@tributary/messaging';

/** What an attempt's handler "returned" in a recorded run. */
export type Answer =
  { outcome: 'success'; output?: unknown } | { outcome: 'failed' } | { outcome: 'skipped' };

/**
 * A run decided by the real domain and recorded in the real event log (with its projections), as the
 * planner would — without a planner. Tests publish its group events to EVENTS themselves.
 */
export class RecordedRun {
  readonly state: RunState;
  readonly stored: StoredEvent[] = [];
  now = Date.now();

  private constructor(
    private readonly db: Kysely<Database>,
    readonly runId: string,
    readonly plan: CompiledPlan,
  ) {
    this.state = initialRunState(plan);
  }

  /** Saves the pipeline (YAML), starts a run of it and records its first events. */
  static async start(
    db: Kysely<Database>,
    yaml: string,
    params: unknown,
    options: { runId?: string; consolidationVia?: ConsolidationVia } = {},
  ): Promise<RecordedRun> {
    const parsed = parsePipelineSpec(yaml, 'yaml');
    if (!parsed.ok) throw new Error(`spec invalid: ${JSON.stringify(parsed.issues)}`);
    const { pipeline } = await savePipelineVersion(db, {
      spec: parsed.spec,
      source: yaml,
      createdBy: 'test',
    });
    const run = new RecordedRun(db, options.runId ?? randomUUID(), compilePlan(pipeline.spec));
    await run.send({
      type: 'StartRun',
      runId: run.runId,
      pipelineId: pipeline.pipelineId,
      version: pipeline.version,
      params,
      idempotencyKey: null,
      actor: 'test',
      consolidationVia: options.consolidationVia ?? 'fan-in',
    });
    return run;
  }

  /** Decides one command and appends its events (and projections) to the log; returns them as stored. */
  async send(command: RunCommand): Promise<StoredEvent[]> {
    this.now += 1;
    const decision = decide(this.state, command, { now: this.now, random: () => 0.5 });
    if (decision.rejection) throw new Error(`${command.type} refused: ${decision.rejection.message}`);
    return this.record(decision.events);
  }

  /** Dispatches, starts and answers every scheduled task instance until nothing is scheduled. */
  async drive(answer: (taskId: string, attempt: number) => Answer = () => ({ outcome: 'success' })) {
    const stored: StoredEvent[] = [];
    for (let step = 0; step < 1000 && this.state.scheduled.size > 0; step++) {
      this.now += 1;
      const dispatch = decide(
        this.state,
        { type: 'DispatchTasks', runId: this.runId, taskIds: [...this.state.scheduled] },
        { now: this.now, random: () => 0.5 },
      );
      stored.push(...(await this.record(dispatch.events)));
      for (const d of dispatch.dispatches) {
        stored.push(
          ...(await this.send({
            type: 'RecordTaskStarted',
            runId: this.runId,
            taskId: d.taskId,
            attempt: d.attempt,
            host: 'test',
          })),
        );
        const result = answer(d.taskId, d.attempt);
        stored.push(
          ...(await this.send({
            type: 'RecordTaskResult',
            runId: this.runId,
            taskId: d.taskId,
            attempt: d.attempt,
            outcome: result.outcome,
            ...(result.outcome === 'success' ? { output: (result.output ?? d.taskId) as never } : {}),
            ...(result.outcome === 'failed'
              ? { error: { message: 'boom', type: 'Error', retryable: false } }
              : {}),
          })),
        );
      }
    }
    return stored;
  }

  private async record(events: RunEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const { state } = this;
    const result = await appendEvents(this.db, {
      events: events.map((event) => ({
        eventId: randomUUID(),
        runId: this.runId,
        type: event.type,
        taskId: 'taskId' in event ? event.taskId : null,
        attempt: 'attempt' in event ? event.attempt : null,
        payload: event,
        actor: 'test',
        traceId: null,
        occurredAt: new Date(event.at),
      })),
      project: (trx) => writeRunProjection(trx, state, affectedBy(state, events)),
    });
    this.stored.push(...result.appended);
    return result.appended;
  }
}

export const isGroupEvent = (e: StoredEvent): boolean =>
  e.type === 'GroupsExpanded' || e.type === 'GroupCompleted' || e.type === 'GroupReopened';

/** Publishes stored events to EVENTS as the planner's outbox does (`msgId` defaults to the event id). */
export async function publishEvents(
  js: JetStreamClient,
  subjects: Subjects,
  events: readonly StoredEvent[],
  options: { msgIdSuffix?: string; traceparent?: string } = {},
): Promise<void> {
  for (const e of events) {
    await publish(
      js,
      subjects.event(e.runId, e.type),
      encodeRunEvent(e.payload as RunEvent, {
        eventId: e.eventId,
        runId: e.runId,
        runSeq: e.runSeq,
        actor: e.actor,
        traceId: e.traceId,
      }),
      {
        msgId: `${e.eventId}${options.msgIdSuffix ?? ''}`,
        ...(options.traceparent ? { headers: { traceparent: options.traceparent } } : {}),
      },
    );
  }
}
