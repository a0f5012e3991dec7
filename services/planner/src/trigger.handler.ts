import type { Kysely } from 'kysely';
import type { RunCommand } from '@tributary/domain';
import { appendEvents, type Database } from '@tributary/event-store';
import { jsonFromBytes, type TriggerRun } from '@tributary/events';
import type { DecisionEngine, RunWork, RunWorkOutcome } from './decision-engine.js';
import { runIdForTrigger, uuidFromKey, type PlanCache } from '@tributary/runtime';

/** What became of one trigger. */
export interface TriggerOutcome {
  runId: string;
  outcome: 'started' | 'rejected' | 'duplicate';
}

/** Turns TRIGGERS messages into runs: validate, plan, expand, dispatch — or record TriggerRejected. */
export class TriggerHandler {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly plans: PlanCache,
    private readonly engine: DecisionEngine,
  ) {}

  /**
   * Starts the runs of many triggers in ONE planner transaction (500 triggers at once are 500 runs to
   * create: one commit, not 500). Should that transaction fail — one trigger's run cannot be written —
   * each trigger is tried on its own, so one bad trigger never holds back the others; the failing one
   * gets its error (its message is redelivered). Results are in input order.
   */
  async handleBatch(
    items: readonly { trigger: TriggerRun; traceparent: string | null }[],
  ): Promise<(TriggerOutcome | { error: unknown })[]> {
    const results: (TriggerOutcome | { error: unknown } | undefined)[] = [];
    const works: { index: number; work: RunWork }[] = [];
    for (const [index, { trigger, traceparent }] of items.entries()) {
      const prepared = await this.prepare(trigger, traceparent);
      if ('work' in prepared) works.push({ index, work: prepared.work });
      else results[index] = prepared;
    }
    // Together first; run by run when that commit fails (or when there is only one).
    const together =
      works.length > 1 ? await this.engine.execute(works.map((w) => w.work)).catch(() => null) : null;
    for (const { index, work } of works) {
      try {
        results[index] = this.outcomeOf(work.runId, together ?? (await this.engine.execute([work])));
      } catch (error) {
        results[index] = { error };
      }
    }
    return results as (TriggerOutcome | { error: unknown })[];
  }

  private outcomeOf(runId: string, outcomes: readonly RunWorkOutcome[]): TriggerOutcome {
    const outcome = outcomes.find((o) => o.runId === runId)!;
    if (outcome.rejections.some((r) => r.code === 'run_already_started'))
      return { runId, outcome: 'duplicate' };
    return { runId, outcome: outcome.events[0]?.type === 'TriggerRejected' ? 'rejected' : 'started' };
  }

  /** The run a trigger starts, or — for a trigger that cannot even be planned — its recorded rejection. */
  private async prepare(
    trigger: TriggerRun,
    traceparent: string | null,
  ): Promise<{ work: RunWork } | { runId: string; outcome: 'rejected' }> {
    const runId = runIdForTrigger(trigger);
    const params =
      trigger.paramsJson.length === 0 ? { ok: true as const, value: {} } : jsonFromBytes(trigger.paramsJson);
    const found = await this.plans.get(trigger.pipelineId, trigger.pipelineVersion || undefined);
    if (!found || !params.ok) {
      const issue = !found
        ? {
            path: '/pipeline',
            message: `pipeline "${trigger.pipelineId}"${trigger.pipelineVersion ? ` version ${trigger.pipelineVersion}` : ''} does not exist`,
          }
        : { path: '/params', message: `params are not JSON: ${params.ok ? '' : params.error.message}` };
      await this.recordRejection(runId, trigger, issue, traceparent);
      return { runId, outcome: 'rejected' };
    }
    const start: RunCommand = {
      type: 'StartRun',
      runId,
      pipelineId: trigger.pipelineId,
      version: found.version,
      params: params.value,
      idempotencyKey: trigger.idempotencyKey || null,
      actor: trigger.actor || 'trigger',
      consolidationVia: 'fan-in',
    };
    return {
      work: {
        runId,
        commands: [{ command: start }],
        start: { plan: found.plan, traceparent },
        actor: trigger.actor || 'trigger',
      },
    };
  }

  /** A trigger that cannot even be planned (unknown pipeline, unreadable params) is still recorded. */
  private async recordRejection(
    runId: string,
    trigger: TriggerRun,
    issue: { path: string; message: string },
    traceparent: string | null,
  ): Promise<void> {
    const at = Date.now();
    const traceId = traceparent?.split('-')[1] ?? null;
    const event = {
      type: 'TriggerRejected',
      runId,
      pipelineId: trigger.pipelineId,
      issues: [issue],
      idempotencyKey: trigger.idempotencyKey || null,
      actor: trigger.actor || 'trigger',
      at,
    };
    const exists = await this.db
      .selectFrom('run_streams')
      .select('last_seq')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (exists && exists.last_seq > 0) return;
    await appendEvents(this.db, {
      events: [
        {
          eventId: uuidFromKey(`rejected\u0000${runId}`),
          runId,
          type: 'TriggerRejected',
          payload: event,
          actor: event.actor,
          traceId,
          occurredAt: new Date(at),
        },
      ],
      project: async (trx) => {
        await trx
          .insertInto('runs')
          .values({
            run_id: runId,
            pipeline_id: trigger.pipelineId,
            pipeline_version: trigger.pipelineVersion || 0,
            state: 'rejected',
            params: JSON.stringify({}),
            idempotency_key: trigger.idempotencyKey || null,
            trace_id: traceId,
            reason: issue.message,
            created_at: new Date(at),
            finished_at: new Date(at),
          })
          .onConflict((oc) => oc.column('run_id').doNothing())
          .execute();
      },
    });
  }
}
