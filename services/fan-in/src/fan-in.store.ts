import type { Kysely, Transaction } from 'kysely';
import { CONSOLIDATE_ID, initialRunState, type RunEvent } from '@tributary/domain';
import {
  compareRunIds,
  enqueueOutbox,
  readRunEvents,
  readRunPipeline,
  type Database,
  type FanInRunRow,
  type OutboxMessage,
} from '@tributary/event-store';
import type { Subjects } from '@tributary/events';
import {
  FanInLedger,
  groupPathsOf,
  isTopLevelGroupEvent,
  roundGroups,
  type FanInGroup,
  type FanInGroupState,
} from './fan-in-ledger.js';
import { consolidationDueMessage } from './consolidation-due.js';
import type { PlanCache } from '@tributary/runtime';

/** One consumed group event, decoded, with what the envelope and headers say about it. */
export interface GroupEventDelivery {
  runId: string;
  runSeq: number;
  event: RunEvent;
  traceparent: string | null;
  traceId: string | null;
}

/** What one run's transaction did. `messages` are committed outbox rows, to publish now. */
export interface RunApplyOutcome {
  runId: string;
  applied: number;
  duplicates: number;
  ignored: number;
  rounds: number[];
  messages: OutboxMessage[];
  /** Set when the run was seen for the first time and found not to be the fan-in's (why). */
  notFannedIn: string | null;
}

const ROWS_PER_INSERT = 1000;
const PATHS_PER_SELECT = 5000;

/**
 * The fan-in's Postgres side: per run, ONE transaction that locks the `fan_in_runs` row FOR UPDATE,
 * loads the group and block rows the events touch, applies them to the {@link FanInLedger} in stream
 * order, writes the changed rows and counters back and enqueues one outbox row per round fired.
 */
export class FanInStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly subjects: Subjects,
    private readonly plans: PlanCache,
    private readonly now: () => number = Date.now,
  ) {}

  /** Applies `items` (all of run `runId`, in stream order). Throws on database trouble: nothing was written. */
  applyRunEvents(runId: string, items: readonly GroupEventDelivery[]): Promise<RunApplyOutcome> {
    return this.db.transaction().execute((trx) => this.applyInTransaction(trx, runId, items));
  }

  /**
   * Applies the group events of many runs in ONE transaction (runs locked in id order, as every writer
   * does): a batch that touches 200 runs commits once, not 200 times. Throws on database trouble:
   * nothing was written (the caller may then apply run by run).
   */
  applyManyRuns(runs: ReadonlyMap<string, readonly GroupEventDelivery[]>): Promise<RunApplyOutcome[]> {
    return this.db.transaction().execute(async (trx) => {
      const outcomes: RunApplyOutcome[] = [];
      for (const runId of [...runs.keys()].sort(compareRunIds))
        outcomes.push(await this.applyInTransaction(trx, runId, runs.get(runId)!));
      return outcomes;
    });
  }

  private async applyInTransaction(
    trx: Transaction<Database>,
    runId: string,
    items: readonly GroupEventDelivery[],
  ): Promise<RunApplyOutcome> {
    {
      const outcome: RunApplyOutcome = {
        runId,
        applied: 0,
        duplicates: 0,
        ignored: 0,
        rounds: [],
        messages: [],
        notFannedIn: null,
      };
      const { row, notFannedIn } = await this.lockRun(trx, runId);
      outcome.notFannedIn = notFannedIn;
      const relevant = row.blocks_total > 0 ? items.filter((i) => isTopLevelGroupEvent(i.event)) : [];
      outcome.ignored = items.length - relevant.length;
      if (relevant.length === 0) return outcome;

      const paths = [
        ...new Set(relevant.flatMap((i) => (isTopLevelGroupEvent(i.event) ? groupPathsOf(i.event) : []))),
      ];
      const ledger = new FanInLedger(
        {
          blocksTotal: row.blocks_total,
          blocksSeen: row.blocks_seen,
          openGroups: row.open_groups,
          round: row.round,
          armed: row.armed,
        },
        await this.loadGroups(trx, runId, paths),
        (
          await trx
            .selectFrom('fan_in_blocks')
            .select(['block', 'last_run_seq'])
            .where('run_id', '=', runId)
            .execute()
        ).map((b) => ({ block: b.block, lastRunSeq: b.last_run_seq })),
      );

      for (const item of relevant) {
        const step = ledger.apply(item.event, item.runSeq);
        if (step.kind === 'duplicate') outcome.duplicates += 1;
        else if (step.kind === 'ignored') outcome.ignored += 1;
        else {
          outcome.applied += 1;
          if (step.fire === null) continue;
          // Every group of the run, not only the ones this batch touched: write back, then read all.
          await this.writeRows(trx, runId, ledger);
          const all = await trx
            .selectFrom('fan_in_groups')
            .select(['path', 'block', 'state', 'last_run_seq'])
            .where('run_id', '=', runId)
            .orderBy('path')
            .execute();
          outcome.rounds.push(step.fire);
          outcome.messages.push(
            consolidationDueMessage(this.subjects, {
              runId,
              round: step.fire,
              runSeq: item.runSeq,
              groups: roundGroups(all.map(toGroup)),
              at: this.now(),
              traceparent: item.traceparent,
              traceId: item.traceId,
            }),
          );
        }
      }
      await this.writeRows(trx, runId, ledger);
      const { run } = ledger;
      await trx
        .updateTable('fan_in_runs')
        .set({
          blocks_seen: run.blocksSeen,
          open_groups: run.openGroups,
          round: run.round,
          armed: run.armed,
          updated_at: new Date(this.now()),
        })
        .where('run_id', '=', runId)
        .execute();
      if (outcome.messages.length > 0) await enqueueOutbox(trx, outcome.messages);
      return outcome;
    }
  }

  /**
   * Re-arms runs whose consolidation was cleared on its own. Clearing only `consolidate` (retrying a
   * failed consolidation) puts it back to `pending` but reopens no group, so no group event tells the
   * fan-in. A run qualifies when it is running, its consolidation is pending, the fan-in sees every
   * group terminal and is disarmed, and the planner has already recorded the fan-in's latest round:
   * only a clear (or mark) of the consolidation leaves that state. Such a run gets the next round,
   * through the same locked transaction and outbox as any other. Returns what each run did.
   */
  async fireClearedConsolidations(limit = 100): Promise<RunApplyOutcome[]> {
    const candidates = await this.db
      .selectFrom('fan_in_runs as f')
      .innerJoin('runs as r', 'r.run_id', 'f.run_id')
      .innerJoin('task_instances as t', (join) =>
        join.onRef('t.run_id', '=', 'f.run_id').on('t.task_id', '=', CONSOLIDATE_ID),
      )
      .select('f.run_id')
      .where('r.state', '=', 'running')
      .where('t.state', '=', 'pending')
      .where('f.blocks_total', '>', 0)
      .where('f.armed', '=', false)
      .where('f.open_groups', '=', 0)
      .whereRef('f.blocks_seen', '>=', 'f.blocks_total')
      .limit(limit)
      .execute();
    const outcomes: RunApplyOutcome[] = [];
    for (const { run_id: runId } of candidates) {
      const outcome = await this.db.transaction().execute(async (trx) => {
        const done: RunApplyOutcome = {
          runId,
          applied: 0,
          duplicates: 0,
          ignored: 0,
          rounds: [],
          messages: [],
          notFannedIn: null,
        };
        const row = await trx
          .selectFrom('fan_in_runs')
          .selectAll()
          .where('run_id', '=', runId)
          .forUpdate()
          .executeTakeFirst();
        if (!row || row.armed || row.open_groups > 0 || row.blocks_seen < row.blocks_total) return done;
        const recorded = await trx
          .selectFrom('event_log')
          .select(['payload'])
          .where('run_id', '=', runId)
          .where('type', '=', 'ConsolidationTriggered')
          .orderBy('run_seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        const recordedRound = (recorded?.payload as { round?: number } | undefined)?.round ?? 0;
        // The latest round is still on its way (consolidator running, result not recorded yet): wait.
        if (recordedRound < row.round) return done;
        const head = await trx
          .selectFrom('run_streams')
          .select('last_seq')
          .where('run_id', '=', runId)
          .executeTakeFirst();
        const run = await readRunPipeline(trx, runId);
        const groups = await trx
          .selectFrom('fan_in_groups')
          .select(['path', 'block', 'state', 'last_run_seq'])
          .where('run_id', '=', runId)
          .orderBy('path')
          .execute();
        const round = Math.max(row.round, recordedRound) + 1;
        done.rounds.push(round);
        done.messages.push(
          consolidationDueMessage(this.subjects, {
            runId,
            round,
            runSeq: Math.max(1, Number(head?.last_seq ?? 1)),
            groups: roundGroups(groups.map(toGroup)),
            at: this.now(),
            traceparent: null,
            traceId: run?.traceId ?? null,
          }),
        );
        await trx
          .updateTable('fan_in_runs')
          .set({ round, updated_at: new Date(this.now()) })
          .where('run_id', '=', runId)
          .execute();
        await enqueueOutbox(trx, done.messages);
        return done;
      });
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /** The run's counters, locked; created on first sight with `blocks_total` from its pipeline. */
  private async lockRun(
    trx: Transaction<Database>,
    runId: string,
  ): Promise<{ row: FanInRunRow; notFannedIn: string | null }> {
    const locked = () =>
      trx.selectFrom('fan_in_runs').selectAll().where('run_id', '=', runId).forUpdate().executeTakeFirst();
    const existing = await locked();
    if (existing) return { row: existing, notFannedIn: null };
    const { blocksTotal, reason } = await this.blocksTotalOf(trx, runId);
    // blocks_total 0 marks a run the fan-in leaves alone, so later events need no second look.
    await trx
      .insertInto('fan_in_runs')
      .values({ run_id: runId, blocks_total: blocksTotal })
      .onConflict((oc) => oc.column('run_id').doNothing())
      .execute();
    const row = await locked();
    if (!row) throw new Error(`fan_in_runs row of run ${runId} vanished`);
    return { row, notFannedIn: row.blocks_total > 0 ? null : reason };
  }

  /**
   * How many top-level group blocks the run's consolidation waits for; 0 (with the reason) when the
   * fan-in does not consolidate the run: no consolidation, no top-level block, or a run whose planner
   * consolidates itself (TriggerAccepted.consolidationVia = planner).
   */
  private async blocksTotalOf(
    trx: Transaction<Database>,
    runId: string,
  ): Promise<{ blocksTotal: number; reason: string | null }> {
    const run = await readRunPipeline(trx, runId);
    // The planner writes the projection with the events it publishes: a missing row is a lag, retry.
    if (!run) throw new Error(`run ${runId} is not in the runs projection (yet)`);
    const plan = await this.plans.plan(run.pipelineId, run.version);
    if (!plan) return { blocksTotal: 0, reason: `pipeline ${run.pipelineId}@${run.version} is unknown` };
    const index = initialRunState(plan).index;
    if (index.consolidationPath === null)
      return { blocksTotal: 0, reason: 'the pipeline has no consolidation' };
    if (!index.consolidationOverGroups)
      return {
        blocksTotal: 0,
        reason: 'the pipeline has no top-level group block (the planner consolidates)',
      };
    const [first] = await readRunEvents(trx, runId, { fromRunSeq: 1, limit: 1 });
    const accepted = first?.payload as RunEvent | undefined;
    if (accepted?.type === 'TriggerAccepted' && accepted.consolidationVia !== 'fan-in')
      return { blocksTotal: 0, reason: `the run consolidates via ${accepted.consolidationVia}` };
    return { blocksTotal: index.topLevelBlocks.length, reason: null };
  }

  private async loadGroups(
    trx: Transaction<Database>,
    runId: string,
    paths: readonly string[],
  ): Promise<FanInGroup[]> {
    const rows: FanInGroup[] = [];
    for (let i = 0; i < paths.length; i += PATHS_PER_SELECT) {
      const chunk = paths.slice(i, i + PATHS_PER_SELECT);
      const found = await trx
        .selectFrom('fan_in_groups')
        .select(['path', 'block', 'state', 'last_run_seq'])
        .where('run_id', '=', runId)
        .where('path', 'in', chunk)
        .execute();
      rows.push(...found.map(toGroup));
    }
    return rows;
  }

  private async writeRows(trx: Transaction<Database>, runId: string, ledger: FanInLedger): Promise<void> {
    const { groups, blocks } = ledger.takeDirty();
    for (let i = 0; i < groups.length; i += ROWS_PER_INSERT) {
      await trx
        .insertInto('fan_in_groups')
        .values(
          groups.slice(i, i + ROWS_PER_INSERT).map((g) => ({
            run_id: runId,
            path: g.path,
            block: g.block,
            state: g.state,
            last_run_seq: g.lastRunSeq,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['run_id', 'path']).doUpdateSet((eb) => ({
            block: eb.ref('excluded.block'),
            state: eb.ref('excluded.state'),
            last_run_seq: eb.ref('excluded.last_run_seq'),
          })),
        )
        .execute();
    }
    if (blocks.length > 0) {
      await trx
        .insertInto('fan_in_blocks')
        .values(blocks.map((b) => ({ run_id: runId, block: b.block, last_run_seq: b.lastRunSeq })))
        .onConflict((oc) =>
          oc
            .columns(['run_id', 'block'])
            .doUpdateSet((eb) => ({ last_run_seq: eb.ref('excluded.last_run_seq') })),
        )
        .execute();
    }
  }
}

function toGroup(row: { path: string; block: string; state: string; last_run_seq: number }): FanInGroup {
  const state: FanInGroupState = row.state === 'success' || row.state === 'failed' ? row.state : 'running';
  return { path: row.path, block: row.block, state, lastRunSeq: row.last_run_seq };
}
