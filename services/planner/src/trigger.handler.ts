import type { Kysely } from 'kysely';
import {
  jsonProblem,
  sanitizeText,
  textProblem,
  type RunCommand,
  commandActorProblem,
} from '@tributary/domain';
import {
  appendEvents,
  insertRejectedRun,
  isRetryableError,
  runStreamLength,
  type Database,
} from '@tributary/event-store';
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
   * each trigger is tried on its own, so one bad trigger never holds back the others. A trigger whose
   * run the database refuses for good is recorded as rejected with the reason; one that failed for a
   * passing reason (the database restarting) gets its error (its message is redelivered). Results are
   * in input order.
   */
  async handleBatch(
    items: readonly { trigger: TriggerRun; traceparent: string | null }[],
  ): Promise<(TriggerOutcome | { error: unknown })[]> {
    const results: (TriggerOutcome | { error: unknown } | undefined)[] = [];
    const works: { index: number; work: RunWork }[] = [];
    for (const [index, { trigger, traceparent }] of items.entries()) {
      try {
        const prepared = await this.prepare(trigger, traceparent);
        if ('work' in prepared) works.push({ index, work: prepared.work });
        else results[index] = prepared;
      } catch (error) {
        results[index] = { error };
      }
    }
    // Together first; run by run when that commit fails (or when there is only one).
    const together =
      works.length > 1 ? await this.engine.execute(works.map((w) => w.work)).catch(() => null) : null;
    for (const { index, work } of works) {
      try {
        results[index] = this.outcomeOf(work.runId, together ?? (await this.engine.execute([work])));
      } catch (error) {
        results[index] = isRetryableError(error)
          ? { error }
          : await this.rejectUnstorable(items[index]!, work.runId, error);
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

  /** A run the database refused for good (not for a passing reason) is recorded as rejected, with why. */
  private async rejectUnstorable(
    item: { trigger: TriggerRun; traceparent: string | null },
    runId: string,
    error: unknown,
  ): Promise<TriggerOutcome | { error: unknown }> {
    const message = `the run could not be stored: ${error instanceof Error ? error.message : String(error)}`;
    try {
      await this.recordRejection(runId, item.trigger, { path: '', message }, item.traceparent);
      return { runId, outcome: 'rejected' };
    } catch (recordError) {
      return { error: recordError };
    }
  }

  /**
   * What makes a trigger unplannable before any query: text Postgres cannot store in its pipeline id,
   * idempotency key or actor, params that are not JSON or not safe JSON (NUL, unpaired surrogates,
   * nesting deeper than 64, prototype keys). The api refuses these already; NATS publishers may not.
   */
  private unplannable(
    trigger: TriggerRun,
    params: ReturnType<typeof jsonFromBytes>,
  ): { path: string; message: string } | null {
    for (const [path, text] of [
      ['/pipeline', trigger.pipelineId],
      ['/idempotencyKey', trigger.idempotencyKey],
      ['/actor', trigger.actor],
    ] as const) {
      const problem = textProblem(text);
      if (problem) return { path, message: `${path.slice(1)} ${problem}` };
    }
    // A service's own name is refused: the api writes its caller's token name, the planner cron/upstream:….
    const actorIssue = trigger.actor === '' ? null : commandActorProblem(trigger.actor, 'trigger');
    if (actorIssue) return { path: '/actor', message: actorIssue };
    if (!params.ok) return { path: '/params', message: `params are not JSON: ${params.error.message}` };
    const problem = jsonProblem(params.value);
    return problem ? { path: `/params${problem.path}`, message: problem.message } : null;
  }

  /** The run a trigger starts, or — for a trigger that cannot even be planned — its recorded rejection. */
  private async prepare(
    trigger: TriggerRun,
    traceparent: string | null,
  ): Promise<{ work: RunWork } | { runId: string; outcome: 'rejected' }> {
    const runId = runIdForTrigger(trigger);
    const params =
      trigger.paramsJson.length === 0 ? { ok: true as const, value: {} } : jsonFromBytes(trigger.paramsJson);
    const refused = this.unplannable(trigger, params);
    if (refused) {
      // Never record a rejected trigger under the service name it claimed.
      const recordedAs = refused.path === '/actor' ? { ...trigger, actor: 'trigger' } : trigger;
      await this.recordRejection(runId, recordedAs, refused, traceparent);
      return { runId, outcome: 'rejected' };
    }
    const found = await this.plans.get(trigger.pipelineId, trigger.pipelineVersion || undefined);
    if (!found || !params.ok) {
      const issue = {
        path: '/pipeline',
        message: `pipeline "${trigger.pipelineId}"${trigger.pipelineVersion ? ` version ${trigger.pipelineVersion}` : ''} does not exist`,
      };
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

  /**
   * A trigger that cannot even be planned (unknown pipeline, unreadable params) is still recorded; so is
   * an upstream event a pipeline's `on:` rejected (upstream-event.handler.ts). Once per run id.
   */
  async recordRejection(
    runId: string,
    trigger: Pick<TriggerRun, 'pipelineId' | 'pipelineVersion' | 'idempotencyKey' | 'actor'>,
    issue: { path: string; message: string },
    traceparent: string | null,
  ): Promise<void> {
    const at = Date.now();
    const traceId = traceparent?.split('-')[1] ?? null;
    // What the trigger said, made storable (U+FFFD for NUL and unpaired surrogates): the rejection must be recorded.
    const pipelineId = sanitizeText(trigger.pipelineId);
    const idempotencyKey = trigger.idempotencyKey ? sanitizeText(trigger.idempotencyKey) : null;
    const event = {
      type: 'TriggerRejected',
      runId,
      pipelineId,
      issues: [{ path: sanitizeText(issue.path), message: sanitizeText(issue.message) }],
      idempotencyKey,
      actor: sanitizeText(trigger.actor || 'trigger'),
      at,
    };
    if ((await runStreamLength(this.db, runId)) > 0) return;
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
      project: (trx) =>
        insertRejectedRun(trx, {
          runId,
          pipelineId,
          pipelineVersion: trigger.pipelineVersion || 0,
          idempotencyKey,
          traceId,
          reason: event.issues[0]!.message,
          at: new Date(at),
        }),
    });
  }
}
