import {
  chooseDispatch,
  emptyTokenBuckets,
  stageKey,
  type PlanTaskNode,
  type ReadyTask,
  type RunState,
  type TokenBuckets,
} from '@tributary/domain';
import type { RunCache } from './run-cache.js';

/**
 * Chooses which scheduled instances to dispatch now, across every run this planner holds: per-run
 * `maxActiveTasks`, per-stage `maxActive`, pool slots and rates shared by all runs, `maxActiveRuns`
 * per pipeline, priority then FIFO. Pool usage is summed over the cached runs.
 */
export class DispatchScheduler {
  private buckets: TokenBuckets = emptyTokenBuckets();
  /** When a pool's rate next allows a dispatch (the ticker wakes up then). */
  nextWakeMs: number | null = null;
  private capacityFreed = true;

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

  constructor(private readonly runs: RunCache) {}

  choose(states: readonly RunState[], nowMs: number): Map<string, string[]> {
    const ready: ReadyTask[] = [];
    const admitted = this.admittedRuns(states);
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
    const choice = chooseDispatch(
      ready,
      { perRun, perStage, perPool: this.poolUsage() },
      {
        maxActiveTasks: (runId) => statesById.get(runId)?.plan.spec.limits.maxActiveTasks ?? null,
        maxActive: (runId, stagePath) => {
          const node = statesById.get(runId)?.index.node(stagePath);
          return node?.kind === 'task' ? node.maxActive : null;
        },
        pool: (name) => states.find((s) => s.plan.spec.pools[name])?.plan.spec.pools[name] ?? null,
      },
      this.buckets,
      nowMs,
    );
    this.buckets = choice.buckets;
    this.nextWakeMs = choice.nextWakeMs;
    for (const task of choice.dispatch) {
      const list = byRun.get(task.runId) ?? [];
      list.push(task.taskId);
      byRun.set(task.runId, list);
    }
    return byRun;
  }

  /** Active instances per pool over every cached run (pools are shared across runs and pipelines). */
  private poolUsage(): Map<string, number> {
    const usage = new Map<string, number>();
    for (const [, { state }] of this.runs.active()) {
      for (const [stagePath, n] of state.activeByStage) {
        if (n === 0) continue;
        const node = state.index.node(stagePath);
        if (node.kind === 'task' && node.pool) usage.set(node.pool, (usage.get(node.pool) ?? 0) + n);
      }
    }
    return usage;
  }

  /** `maxActiveRuns`: only the oldest N running runs of a pipeline dispatch; later ones wait their turn. */
  private admittedRuns(deciding: readonly RunState[]): Set<string> {
    const byPipeline = new Map<string, RunState[]>();
    // The runs being decided may not be cached yet (a run is cached once its first commit succeeded).
    const candidates = new Map<string, RunState>();
    for (const [runId, { state }] of this.runs.active()) candidates.set(runId, state);
    for (const state of deciding) candidates.set(state.run.id, state);
    for (const state of candidates.values()) {
      if (state.run.status !== 'running') continue;
      const list = byPipeline.get(state.run.pipelineId) ?? [];
      list.push(state);
      byPipeline.set(state.run.pipelineId, list);
    }
    const admitted = new Set<string>();
    for (const list of byPipeline.values()) {
      const limit = list[0]!.plan.spec.limits.maxActiveRuns;
      list.sort((a, b) => (a.run.createdAt ?? 0) - (b.run.createdAt ?? 0) || (a.run.id < b.run.id ? -1 : 1));
      for (const state of limit === null ? list : list.slice(0, limit)) admitted.add(state.run.id);
    }
    return admitted;
  }
}
