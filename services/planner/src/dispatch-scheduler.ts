import {
  chooseDispatch,
  emptyTokenBuckets,
  stageKey,
  type PlanTaskNode,
  type ReadyTask,
  type RunState,
  type TokenBucket,
  type TokenBuckets,
} from '@tributary/domain';
import type { RunSlots, SharedPoolState, WaitingRun } from '@tributary/event-store';

/**
 * Limits shared with the other planner replicas, read from Postgres under locks in the deciding
 * transaction for what `sharedNeeds` names: the committed state of every run not being decided.
 */
export interface SharedLimits {
  /** Per pool: active instances of runs not being decided, and the pool's token bucket. */
  pools: ReadonlyMap<string, SharedPoolState>;
  /** Per pipeline with `maxActiveRuns`: the slots of its runs not being decided, as committed. */
  runSlots: ReadonlyMap<string, RunSlots>;
}

/** Nothing to share: no ready instance waits on a pool or a `maxActiveRuns` pipeline. */
export const NO_SHARED_LIMITS: SharedLimits = { pools: new Map(), runSlots: new Map() };

/** What to read (and lock) before choosing: the pools and `maxActiveRuns` pipelines the ready tasks touch. */
export interface SharedNeeds {
  pools: string[];
  pipelines: { pipelineId: string; maxActiveRuns: number }[];
}

/**
 * Chooses which scheduled instances to dispatch now: per-run `maxActiveTasks`, per-stage `maxActive`,
 * pool slots and rates shared by all runs, `maxActiveRuns` per pipeline, priority then FIFO. Pools and
 * `maxActiveRuns` count every run of every planner replica: the runs being decided from memory, all
 * others from the {@link SharedLimits} the decision engine reads under lock.
 */
/**
 * Dispatches per commit, across runs: a map that expands 100 000 instances at once is dispatched in
 * commits of this many (each followed at once by the next), so one commit's work and memory stay bounded.
 */
export const MAX_DISPATCHES_PER_COMMIT = 10_000;

export class DispatchScheduler {
  /** The pools' token buckets as the last `choose` left them (the engine stores them). */
  private buckets: TokenBuckets = emptyTokenBuckets();
  /** When a pool's rate next allows a dispatch (the ticker wakes up then). */
  nextWakeMs: number | null = null;
  /** Runs the last `choose` left ready instances of only for its per-commit cap: decide them again at once. */
  passLimited: ReadonlySet<string> = new Set();
  private capacityFreed = true;

  /** @param maxPerCommit dispatches per commit across runs (tests use a small one). */
  constructor(private readonly maxPerCommit: number = MAX_DISPATCHES_PER_COMMIT) {}

  /** An instance left queued/running, or a run ended: held-back instances elsewhere may go now. */
  markCapacityFreed(): void {
    this.capacityFreed = true;
  }

  /** Whether capacity was freed since the last call (and forget it). */
  takeCapacityFreed(): boolean {
    const freed = this.capacityFreed;
    this.capacityFreed = false;
    return freed;
  }

  /** The pools and `maxActiveRuns` pipelines that scheduled instances of these runs wait on. */
  sharedNeeds(states: readonly RunState[]): SharedNeeds {
    const pools = new Set<string>();
    const pipelines = new Map<string, number>();
    for (const state of states) {
      if (state.run.status !== 'running' || state.scheduled.size === 0) continue;
      const maxActiveRuns = state.plan.spec.limits.maxActiveRuns;
      if (maxActiveRuns !== null) pipelines.set(state.run.pipelineId, maxActiveRuns);
      for (const taskId of state.scheduled) {
        const node = state.index.node(state.tasks.get(taskId)!.stagePath);
        if (node.kind === 'task' && node.pool) pools.add(node.pool);
      }
    }
    return {
      pools: [...pools].sort(),
      pipelines: [...pipelines].map(([pipelineId, maxActiveRuns]) => ({ pipelineId, maxActiveRuns })),
    };
  }

  /** The token buckets of `pools` after the last `choose` (to store for the other replicas). */
  bucketsOf(pools: readonly string[]): Map<string, TokenBucket> {
    const out = new Map<string, TokenBucket>();
    for (const pool of pools) {
      const bucket = this.buckets.get(pool);
      if (bucket) out.set(pool, bucket);
    }
    return out;
  }

  choose(states: readonly RunState[], nowMs: number, shared: SharedLimits): Map<string, string[]> {
    const ready: ReadyTask[] = [];
    const admitted = this.admittedRuns(states, shared);
    for (const state of states) {
      if (state.run.status !== 'running' || state.scheduled.size === 0 || !admitted.has(state.run.id))
        continue;
      for (const taskId of state.scheduled) {
        const rec = state.tasks.get(taskId)!;
        const node = state.index.node(rec.stagePath) as PlanTaskNode;
        ready.push({
          runId: state.run.id,
          taskId,
          stagePath: rec.stagePath,
          executor: node.executor,
          priority: node.settings.priority,
          readyAt: state.run.createdAt ?? 0,
          readySeq: rec.readySeq,
          pool: node.pool,
        });
      }
    }
    const byRun = new Map<string, string[]>();
    if (ready.length === 0) return byRun;
    const statesById = new Map(states.map((s) => [s.run.id, s]));
    const perRun = new Map<string, number>();
    const perStage = new Map<string, number>();
    for (const state of states) {
      perRun.set(state.run.id, state.active);
      for (const [stagePath, n] of state.activeByStage) perStage.set(stageKey(state.run.id, stagePath), n);
    }
    // The buckets stored under the pools' locks are the truth: another replica may have spent tokens.
    const buckets = new Map<string, TokenBucket>();
    for (const [pool, { bucket }] of shared.pools) if (bucket) buckets.set(pool, bucket);
    const choice = chooseDispatch(
      ready,
      { perRun, perStage, perPool: this.poolUsage(states, shared) },
      {
        maxActiveTasks: (runId) => statesById.get(runId)?.plan.spec.limits.maxActiveTasks ?? null,
        maxActive: (runId, stagePath) => {
          const node = statesById.get(runId)?.index.node(stagePath);
          return node?.kind === 'task' ? node.maxActive : null;
        },
        pool: (name) => states.find((s) => s.plan.spec.pools[name])?.plan.spec.pools[name] ?? null,
        maxPerPass: this.maxPerCommit,
      },
      buckets,
      nowMs,
    );
    this.buckets = choice.buckets;
    this.nextWakeMs = choice.nextWakeMs;
    this.passLimited = new Set(choice.blocked.filter((b) => b.reason === 'pass_limit').map((b) => b.runId));
    for (const task of choice.dispatch) {
      const list = byRun.get(task.runId) ?? [];
      list.push(task.taskId);
      byRun.set(task.runId, list);
    }
    return byRun;
  }

  /**
   * Pool usage over every replica: the committed active instances of the runs not being decided (read
   * under the pool's lock) plus the runs being decided, from their state after this decision's events.
   */
  private poolUsage(deciding: readonly RunState[], shared: SharedLimits): Map<string, number> {
    const usage = new Map<string, number>();
    for (const [pool, { activeElsewhere }] of shared.pools) usage.set(pool, activeElsewhere);
    for (const state of deciding) {
      for (const [stagePath, n] of state.activeByStage) {
        if (n === 0) continue;
        const node = state.index.node(stagePath);
        if (node.kind === 'task' && node.pool && usage.has(node.pool))
          usage.set(node.pool, usage.get(node.pool)! + n);
      }
    }
    return usage;
  }

  /**
   * `maxActiveRuns`, as Airflow keeps runs beyond it queued: a run that dispatched holds its slot until it
   * finishes; free slots go to the waiting runs oldest first (a younger run never jumps the queue, even
   * when the older one is being decided elsewhere).
   */
  private admittedRuns(deciding: readonly RunState[], shared: SharedLimits): Set<string> {
    const admitted = new Set<string>();
    const byPipeline = new Map<string, RunState[]>();
    for (const state of deciding) {
      if (state.run.status !== 'running') continue;
      if (state.plan.spec.limits.maxActiveRuns === null || state.run.admittedAt !== null) {
        admitted.add(state.run.id);
        continue;
      }
      const list = byPipeline.get(state.run.pipelineId) ?? [];
      list.push(state);
      byPipeline.set(state.run.pipelineId, list);
    }
    const decidingIds = new Set(deciding.map((s) => s.run.id));
    for (const [pipelineId, waitingHere] of byPipeline) {
      const limit = waitingHere[0]!.plan.spec.limits.maxActiveRuns!;
      const slots = shared.runSlots.get(pipelineId) ?? { admitted: 0, waiting: [] };
      const admittedHere = deciding.filter(
        (s) => s.run.pipelineId === pipelineId && s.run.status === 'running' && s.run.admittedAt !== null,
      ).length;
      const free = limit - slots.admitted - admittedHere;
      if (free <= 0) continue;
      const queue: WaitingRun[] = [
        ...slots.waiting,
        ...waitingHere.map((s) => ({ runId: s.run.id, createdAtMs: s.run.createdAt ?? 0 })),
      ].sort((a, b) => a.createdAtMs - b.createdAtMs || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
      for (const run of queue.slice(0, free)) if (decidingIds.has(run.runId)) admitted.add(run.runId);
    }
    return admitted;
  }
}
