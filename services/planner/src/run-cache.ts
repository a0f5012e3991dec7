import type { RunState } from '@tributary/domain';
import { wholeNumberVar } from '@tributary/runtime';

/** One run's folded state as this planner last committed it. */
export interface CachedRun {
  state: RunState;
  /** `run_seq` of the last event folded into `state`; compared with the locked head before deciding. */
  lastRunSeq: number;
  /** W3C traceparent of the trigger: every message of the run continues this trace. */
  traceparent: string | null;
}

/** How much the cache may hold: runs, and task instances over all of them (memory is about a KiB each). */
export interface RunCacheBounds {
  maxRuns: number;
  maxInstances: number;
}

export const DEFAULT_RUN_CACHE_BOUNDS: RunCacheBounds = { maxRuns: 10_000, maxInstances: 2_000_000 };

/** `TRIBUTARY_PLANNER_CACHE_MAX_RUNS`, `TRIBUTARY_PLANNER_CACHE_MAX_INSTANCES`; a ConfigError naming a bad one. */
export function runCacheBoundsFrom(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RunCacheBounds {
  return {
    maxRuns: wholeNumberVar(env, 'TRIBUTARY_PLANNER_CACHE_MAX_RUNS', DEFAULT_RUN_CACHE_BOUNDS.maxRuns),
    maxInstances: wholeNumberVar(
      env,
      'TRIBUTARY_PLANNER_CACHE_MAX_INSTANCES',
      DEFAULT_RUN_CACHE_BOUNDS.maxInstances,
    ),
  };
}

/**
 * Runs this planner holds in memory, bounded: past `maxRuns` runs or `maxInstances` instances the least
 * recently used entries go, finished runs first. Eviction is always safe: a run missing here is folded
 * from the log on its next message (the per-run row lock plus the head check make a stale or absent
 * entry harmless), and an evicted *running* run is adopted again by the periodic adoption, so its
 * retries and timeouts are late at worst. An entry whose commit failed is dropped, never patched.
 */
export class RunCache {
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly runs = new Map<string, CachedRun>();
  /** Instances each entry counted when it was last set (its state grows between sets). */
  private readonly sizes = new Map<string, number>();
  private instances = 0;
  /** Running runs evicted so far (a planner over its bounds reloads them: worth a warning). */
  evictedRunning = 0;

  constructor(readonly bounds: RunCacheBounds = DEFAULT_RUN_CACHE_BOUNDS) {}

  get(runId: string): CachedRun | undefined {
    const entry = this.runs.get(runId);
    if (entry) {
      this.runs.delete(runId);
      this.runs.set(runId, entry);
    }
    return entry;
  }

  /** Whether the run is held, without making it more recent (adoption asks for every running run). */
  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  set(runId: string, entry: CachedRun): void {
    this.evict(runId);
    this.runs.set(runId, entry);
    const size = entry.state.tasks.size;
    this.sizes.set(runId, size);
    this.instances += size;
    this.shrink(runId);
  }

  evict(runId: string): void {
    if (!this.runs.delete(runId)) return;
    this.instances -= this.sizes.get(runId) ?? 0;
    this.sizes.delete(runId);
  }

  /**
   * Runs held (they hold pool slots and may need ticks): a copy, since `get` reorders the map and
   * callers await between entries.
   */
  active(): IterableIterator<[string, CachedRun]> {
    return [...this.runs.entries()][Symbol.iterator]();
  }

  /** Finished runs leave the cache; a later clear refolds them from the log. */
  dropFinished(): void {
    for (const [runId, entry] of [...this.runs]) if (entry.state.run.status !== 'running') this.evict(runId);
  }

  get size(): number {
    return this.runs.size;
  }

  /** Instances over every entry, as counted when each was set. */
  get instanceCount(): number {
    return this.instances;
  }

  /** Evicts least recently used entries (finished ones first) until within bounds; `keep` stays. */
  private shrink(keep: string): void {
    const over = () => this.runs.size > this.bounds.maxRuns || this.instances > this.bounds.maxInstances;
    if (!over()) return;
    for (const [runId, entry] of [...this.runs]) {
      if (!over()) return;
      if (runId !== keep && entry.state.run.status !== 'running') this.evict(runId);
    }
    for (const runId of [...this.runs.keys()]) {
      if (!over()) return;
      if (runId === keep) continue;
      this.evict(runId);
      this.evictedRunning += 1;
    }
  }
}
