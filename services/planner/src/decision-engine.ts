import type { Kysely, Transaction } from 'kysely';
import { affectedBy, decide, initialRunState, type AttemptPayload, type RunState } from '@tributary/domain';
import {
  appendEventsInTransaction,
  enqueueOutbox,
  insertTaskLogs,
  loadRunState,
  readRunPipeline,
  lockRunStreams,
  lockRunSlots,
  lockSharedPools,
  saveSharedPoolBuckets,
  type RunSlots,
  outboxWrites,
  projectionDeletes,
  projectionWrites,
  writeRunProjections,
  type Database,
  type NewEvent,
  type RunStreamHead,
  type OutboxMessage,
} from '@tributary/event-store';
import type { Subjects } from '@tributary/events';
import type { OutboxRelay } from '@tributary/runtime';
import type { CachedRun, RunCache } from './run-cache.js';
import type { PlanCache } from '@tributary/runtime';
import { Logger } from '@nestjs/common';
import { PhaseTimer } from './phase-timer.js';
import { runSpanId, runTraceId, traceIdOfTraceparent, traceparentOf } from '@tributary/telemetry';
import { emitRunSpans, traceDecisions } from './decision-spans.js';
import { commandsByRun, type RunWork, type RunWorkOutcome, type TaskLogRow } from './run-work.js';
import { newEventsOf, type CommittedRuns, type DecidedRun } from './decided-run.js';
import type { ExecutorPresenceCheck } from './executor-presence.js';
import { NO_SHARED_LIMITS, type DispatchScheduler, type SharedLimits } from './dispatch-scheduler.js';
import { dispatchMessages, eventMessages, MAX_DISPATCH_BYTES } from './outgoing-messages.js';

/** Events after which an instance no longer holds a run, stage or pool slot (or a run no longer counts). */
const FREES_CAPACITY: ReadonlySet<string> = new Set([
  'TaskInstanceSucceeded',
  'TaskInstanceFailed',
  'TaskInstanceUpForRetry',
  'TaskInstanceSkipped',
  'TaskInstanceUpstreamFailed',
  'TaskInstanceCancelled',
  'TaskInstanceMarked',
  'RunCompleted',
  'RunCancelled',
]);

/** Decisions slower than this are logged at debug level with their phase timings. */
const SLOW_DECISION_MS = 50;

export type { RunWork, RunWorkOutcome, TaskLogRow, TimedCommand } from './run-work.js';

/**
 * The planner's one write path (invariant 2): lock the runs (fixed order), make sure the cached state
 * is the log's state, decide, choose dispatches within the limits, then append events + projections +
 * outbox in ONE transaction, and publish the outbox after commit. Calls are serialised in-process so
 * a cached state is never decided on by two transactions at once.
 */
export class DecisionEngine {
  private queue: Promise<unknown> = Promise.resolve();
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly subjects: Subjects,
    private readonly runs: RunCache,
    private readonly plans: PlanCache,
    private readonly scheduler: DispatchScheduler,
    private readonly relay: OutboxRelay,
    private readonly random: () => number = Math.random,
    private readonly presence: ExecutorPresenceCheck | null = null,
  ) {}

  /** Resolves once every committed message was handed to JetStream (for shutdown and tests). */
  flushed(): Promise<void> {
    return this.publishing;
  }

  execute(works: readonly RunWork[], logs: readonly TaskLogRow[] = []): Promise<RunWorkOutcome[]> {
    const next = this.queue.then(() => this.executeNow(works, logs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Reads a run's current state (the log's, under the run's lock) without deciding anything: for dry
   * runs, which must see exactly the state the real command would. `null` when the run does not exist.
   */
  inspect<T>(runId: string, read: (state: RunState) => T): Promise<T | null> {
    const next = this.queue.then(() =>
      this.db.transaction().execute(async (trx) => {
        const heads = await lockRunStreams(trx, [runId], { create: false });
        const headSeq = heads.get(runId)?.lastSeq ?? 0;
        const entry = await this.entryFor(trx, runId, headSeq, { runId, commands: [] });
        return entry ? read(entry.state) : null;
      }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async executeNow(
    works: readonly RunWork[],
    logs: readonly TaskLogRow[],
  ): Promise<RunWorkOutcome[]> {
    const byRun = commandsByRun(works);
    const runIds = [...byRun.keys()];
    const outbox: OutboxMessage[] = [];
    const committed: CommittedRuns = new Map();
    const outcomes: RunWorkOutcome[] = [];
    const phases = new PhaseTimer();
    const startedAt = Date.now();
    const dispatchedTo = new Set<string>();
    try {
      await this.db.transaction().execute(async (trx) => {
        // Results and commands only touch runs that exist: one locking statement instead of two.
        const heads = await lockRunStreams(trx, runIds, { create: works.some((w) => w.start !== undefined) });
        phases.mark('lock');
        // The decision's one clock reading: every command without its own time, the dispatch choice and
        // the attempts it queues are decided at the same instant.
        const now = Date.now();
        const decided = await this.decideCommands(trx, byRun, heads, now, outcomes, committed, dispatchedTo);
        phases.mark('decide');
        await this.dispatchReady(trx, decided, runIds, now, committed, dispatchedTo);
        const parents = new Map(decided.map((d) => [d.runId, d.entry.traceparent]));
        const traceparent = (runId: string) => parents.get(runId) ?? null;
        const dispatches = this.dispatchMessagesOf(decided, traceparent, now);
        const newEvents = newEventsOf(decided);
        if (newEvents.length > 0) {
          phases.mark('dispatch');
          await this.appendWithProjectionsAndOutbox(
            trx,
            decided,
            newEvents,
            heads,
            outbox,
            dispatches,
            traceparent,
          );
          phases.mark('append+project+outbox');
          for (const d of decided) committed.get(d.runId)!.lastRunSeq += d.events.length;
        } else if (dispatches.length > 0) {
          outbox.push(...dispatches);
          await enqueueOutbox(trx, outbox);
        }
        phases.mark('outbox');
        await insertTaskLogs(trx, logs);
      });
    } catch (error) {
      for (const runId of runIds) this.runs.evict(runId);
      throw error;
    }
    phases.mark('commit');
    if (phases.totalMs() >= SLOW_DECISION_MS) {
      Logger.debug(
        `decision over ${runIds.length} run(s), ${logs.length} log lines: ${phases.summary()}`,
        'planner',
      );
    }
    this.afterCommit(outcomes, committed, dispatchedTo, startedAt);
    // Publishing does not hold up the next decision: the rows are committed, and what fails to publish
    // now is republished by the outbox sweep (JetStream drops the copies by Nats-Msg-Id).
    this.publishing = this.publishing.then(() => this.relay.publishCommitted(outbox)).catch(() => undefined);
    return outcomes;
  }

  /**
   * Decides each run's commands on its state (cached, or folded from the log under the lock). Runs that
   * do not exist get a rejection; the others are marked in flight until the commit is through.
   */
  private async decideCommands(
    trx: Transaction<Database>,
    byRun: ReadonlyMap<string, RunWork>,
    heads: ReadonlyMap<string, RunStreamHead>,
    now: number,
    outcomes: RunWorkOutcome[],
    committed: CommittedRuns,
    dispatchedTo: Set<string>,
  ): Promise<DecidedRun[]> {
    const decided: DecidedRun[] = [];
    for (const [runId, work] of byRun) {
      const headSeq = heads.get(runId)?.lastSeq ?? 0;
      const entry = await this.entryFor(trx, runId, headSeq, work);
      const outcome: RunWorkOutcome = { runId, rejections: [], events: [], affected: [] };
      outcomes.push(outcome);
      if (!entry) {
        outcome.rejections.push({ code: 'run_not_started', message: `run ${runId} does not exist` });
        continue;
      }
      entry.lastRunSeq = -1; // in flight: a failure below leaves it refoldable, never trusted
      const dispatches: AttemptPayload[] = [];
      for (const { command, at } of work.commands) {
        const decision = decide(entry.state, command, { now: at ?? now, random: this.random });
        if (decision.rejection) outcome.rejections.push(decision.rejection);
        outcome.events.push(...decision.events);
        if (decision.affected) outcome.affected.push(...decision.affected);
        // Lost dispatches sent again (RequeueLostDispatches) go out with this commit.
        for (const dispatch of decision.dispatches) {
          dispatches.push(dispatch);
          dispatchedTo.add(dispatch.executor);
        }
      }
      decided.push({
        runId,
        entry,
        events: outcome.events,
        dispatches,
        actor: work.actor ?? 'planner',
      });
      committed.set(runId, { entry, lastRunSeq: headSeq, before: new Map() });
    }
    return decided;
  }

  /** Chooses the ready instances to dispatch within every limit (shared ones read under lock) and queues them. */
  private async dispatchReady(
    trx: Transaction<Database>,
    decided: readonly DecidedRun[],
    runIds: readonly string[],
    now: number,
    committed: CommittedRuns,
    dispatchedTo: Set<string>,
  ): Promise<void> {
    const states = decided.map((d) => d.entry.state);
    const shared = await this.readSharedLimits(trx, states, runIds);
    const chosen = this.scheduler.choose(states, now, shared);
    if (shared.pools.size > 0)
      await saveSharedPoolBuckets(trx, this.scheduler.bucketsOf([...shared.pools.keys()]));
    for (const d of decided) {
      const taskIds = chosen.get(d.runId);
      if (!taskIds) continue;
      // A retry dispatched in the commit of its failure overwrites the failed attempt's times (run-spans.ts).
      const before = committed.get(d.runId)!.before;
      for (const taskId of taskIds) {
        const rec = d.entry.state.tasks.get(taskId);
        if (rec && rec.attempt > 0)
          before.set(taskId, { attempt: rec.attempt, queuedAt: rec.queuedAt, startedAt: rec.startedAt });
      }
      const decision = decide(
        d.entry.state,
        { type: 'DispatchTasks', runId: d.runId, taskIds },
        { now, random: this.random },
      );
      d.events.push(...decision.events);
      d.dispatches.push(...decision.dispatches);
      for (const dispatch of decision.dispatches) dispatchedTo.add(dispatch.executor);
    }
  }

  /** The dispatch messages of this commit. An attempt too large for one message fails here, in this commit, instead of never publishing. */
  private dispatchMessagesOf(
    decided: readonly DecidedRun[],
    traceparent: (runId: string) => string | null,
    now: number,
  ): OutboxMessage[] {
    const decidedOf = new Map(decided.map((d) => [d.runId, d]));
    return dispatchMessages(
      this.subjects,
      decided.flatMap((d) => d.dispatches),
      traceparent,
      (dispatch, bytes) => {
        const d = decidedOf.get(dispatch.runId)!;
        const failed = decide(
          d.entry.state,
          {
            type: 'RecordTaskResult',
            runId: dispatch.runId,
            taskId: dispatch.taskId,
            attempt: dispatch.attempt,
            outcome: 'failed',
            error: {
              message: `the attempt's dispatch is ${bytes} bytes (input, params and upstream outputs), over the ${MAX_DISPATCH_BYTES}-byte limit of one message`,
              type: 'InputError',
              retryable: false,
            },
          },
          { now, random: this.random },
        );
        d.events.push(...failed.events);
      },
    );
  }

  /** Appends the events, writes the projections of the runs they changed, and enqueues the outbox. */
  private async appendWithProjectionsAndOutbox(
    trx: Transaction<Database>,
    decided: readonly DecidedRun[],
    newEvents: NewEvent[],
    heads: Map<string, RunStreamHead>,
    outbox: OutboxMessage[],
    dispatches: readonly OutboxMessage[],
    traceparent: (runId: string) => string | null,
  ): Promise<void> {
    const projections = decided
      .filter((d) => d.events.length > 0)
      .map((d) => ({
        state: d.entry.state,
        affected: affectedBy(d.entry.state, d.events),
        traceId: traceIdOfTraceparent(d.entry.traceparent),
      }));
    // Events, heads, projections and outbox in ONE statement (one round trip per commit), unless
    // a projection row is deleted (a statement may not touch the same row twice).
    const together = !projectionDeletes(projections);
    await appendEventsInTransaction(trx, {
      events: newEvents,
      lockedHeads: heads,
      freshEventIds: true,
      alongside: (numbered) => {
        outbox.push(...eventMessages(this.subjects, numbered, traceparent), ...dispatches);
        return together ? [...projectionWrites(projections), ...outboxWrites(outbox)] : [];
      },
      project: together ? undefined : (projectTrx) => writeRunProjections(projectTrx, projections),
    });
    if (!together) await enqueueOutbox(trx, outbox);
  }

  /** What follows a commit: spans, executor presence, freed capacity, the rest of a capped dispatch, the cache. */
  private afterCommit(
    outcomes: readonly RunWorkOutcome[],
    committed: CommittedRuns,
    dispatchedTo: ReadonlySet<string>,
    startedAt: number,
  ): void {
    traceDecisions(outcomes, committed, startedAt);
    emitRunSpans(outcomes, committed);
    if (this.presence && dispatchedTo.size > 0) void this.presence.dispatchedTo(dispatchedTo);
    if (outcomes.some((o) => o.events.some((e) => FREES_CAPACITY.has(e.type))))
      this.scheduler.markCapacityFreed();
    // Ready instances left only for the per-commit dispatch cap go in the next commit, right away.
    const more = [...this.scheduler.passLimited].filter((runId) => committed.has(runId));
    if (more.length > 0)
      void this.execute(more.map((runId) => ({ runId, commands: [] }))).catch((error: unknown) =>
        Logger.warn(
          `dispatching the rest of ${more.length} run(s) failed, the ticker retries: ${String(error)}`,
          'planner',
        ),
      );
    for (const [runId, { entry, lastRunSeq }] of committed) {
      entry.lastRunSeq = lastRunSeq;
      this.runs.set(runId, entry);
    }
  }

  /**
   * Pools and `maxActiveRuns` hold across planner replicas: when ready instances wait on either, lock
   * the pools' rows (after the run heads: one lock order everywhere) and read what every replica
   * committed. Nothing to read — no extra statement — for runs without pools or `maxActiveRuns`.
   */
  private async readSharedLimits(
    trx: Transaction<Database>,
    states: readonly RunState[],
    runIds: readonly string[],
  ): Promise<SharedLimits> {
    const needs = this.scheduler.sharedNeeds(states);
    if (needs.pools.length === 0 && needs.pipelines.length === 0) return NO_SHARED_LIMITS;
    // Lock order everywhere: run heads, then pipelines' run slots (by id), then pools (by name).
    const runSlots = new Map<string, RunSlots>();
    for (const { pipelineId, maxActiveRuns } of [...needs.pipelines].sort((a, b) =>
      a.pipelineId < b.pipelineId ? -1 : 1,
    ))
      runSlots.set(pipelineId, await lockRunSlots(trx, pipelineId, maxActiveRuns, runIds));
    const pools = await lockSharedPools(trx, needs.pools, runIds);
    return { pools, runSlots };
  }

  /** The cached run when it matches the locked head; otherwise folded from the log (or created for StartRun). */
  private async entryFor(
    trx: Kysely<Database>,
    runId: string,
    headSeq: number,
    work: RunWork,
  ): Promise<CachedRun | null> {
    const cached = this.runs.get(runId);
    if (cached && cached.lastRunSeq === headSeq) return cached;
    if (headSeq === 0) {
      if (!work.start) return null;
      // The run's span is the root of its trace: every message of the run continues from it.
      const traceId = traceIdOfTraceparent(work.start.traceparent) ?? runTraceId(runId);
      return {
        state: initialRunState(work.start.plan),
        lastRunSeq: 0,
        traceparent: traceparentOf(traceId, runSpanId(runId)),
      };
    }
    const run = await readRunPipeline(trx, runId);
    if (!run) return null;
    const found = await this.plans.get(run.pipelineId, run.version);
    if (!found) return null;
    const { state, lastRunSeq } = await loadRunState(trx, found.plan, runId);
    const traceparent =
      cached?.traceparent ?? (run.traceId ? traceparentOf(run.traceId, runSpanId(runId)) : null);
    return { state, lastRunSeq, traceparent };
  }
}
