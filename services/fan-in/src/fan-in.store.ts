import type { Kysely, Transaction } from 'kysely';
import { initialRunState, type RunEvent } from '@tributary/domain';
import {
  clearedConsolidationCandidates,
  compareRunIds,
  enqueueOutbox,
  insertFanInRun,
  latestRecordedConsolidationRound,
  lockFanInRun,
  readAllFanInGroups,
  readFanInBlocks,
  readFanInGroups,
  readRunEvents,
  readRunPipeline,
  runStreamLength,
  saveFanInRound,
  saveFanInRunCounters,
  upsertFanInBlocks,
  upsertFanInGroups,
  type Database,
  type FanInGroupRecord,
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
        (await readFanInGroups(trx, runId, paths)).map(toGroup),
        await readFanInBlocks(trx, runId),
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
          const all = await readAllFanInGroups(trx, runId);
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
      await saveFanInRunCounters(
        trx,
        runId,
        { blocksSeen: run.blocksSeen, openGroups: run.openGroups, round: run.round, armed: run.armed },
        new Date(this.now()),
      );
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
    const candidates = await clearedConsolidationCandidates(this.db, limit);
    const outcomes: RunApplyOutcome[] = [];
    for (const runId of candidates) {
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
        const row = await lockFanInRun(trx, runId);
        if (!row || row.armed || row.open_groups > 0 || row.blocks_seen < row.blocks_total) return done;
        const recordedRound = await latestRecordedConsolidationRound(trx, runId);
        // The latest round is still on its way (consolidator running, result not recorded yet): wait.
        if (recordedRound < row.round) return done;
        const headSeq = await runStreamLength(trx, runId);
        const run = await readRunPipeline(trx, runId);
        const groups = await readAllFanInGroups(trx, runId);
        const round = Math.max(row.round, recordedRound) + 1;
        done.rounds.push(round);
        done.messages.push(
          consolidationDueMessage(this.subjects, {
            runId,
            round,
            // The run's last event; a run with no event yet still names run_seq 1.
            runSeq: Math.max(1, headSeq),
            groups: roundGroups(groups.map(toGroup)),
            at: this.now(),
            traceparent: null,
            traceId: run?.traceId ?? null,
          }),
        );
        await saveFanInRound(trx, runId, round, new Date(this.now()));
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
    const existing = await lockFanInRun(trx, runId);
    if (existing) return { row: existing, notFannedIn: null };
    const { blocksTotal, reason } = await this.blocksTotalOf(trx, runId);
    // blocks_total 0 marks a run the fan-in leaves alone, so later events need no second look.
    await insertFanInRun(trx, runId, blocksTotal);
    const row = await lockFanInRun(trx, runId);
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

  private async writeRows(trx: Transaction<Database>, runId: string, ledger: FanInLedger): Promise<void> {
    const { groups, blocks } = ledger.takeDirty();
    await upsertFanInGroups(trx, runId, groups);
    await upsertFanInBlocks(trx, runId, blocks);
  }
}

function toGroup(record: FanInGroupRecord): FanInGroup {
  const state: FanInGroupState =
    record.state === 'success' || record.state === 'failed' ? record.state : 'running';
  return { path: record.path, block: record.block, state, lastRunSeq: record.lastRunSeq };
}
