import type { RunState } from '@tributary/domain';

/** One run's folded state as this planner last committed it. */
export interface CachedRun {
  state: RunState;
  /** `run_seq` of the last event folded into `state`; compared with the locked head before deciding. */
  lastRunSeq: number;
  /** W3C traceparent of the trigger: every message of the run continues this trace. */
  traceparent: string | null;
}

/**
 * Runs this planner holds in memory. The per-run row lock plus the head check make a stale entry
 * harmless: it is refolded from the log. An entry whose commit failed is dropped, never patched.
 */
export class RunCache {
  private readonly runs = new Map<string, CachedRun>();

  get(runId: string): CachedRun | undefined {
    return this.runs.get(runId);
  }

  set(runId: string, entry: CachedRun): void {
    this.runs.set(runId, entry);
  }

  evict(runId: string): void {
    this.runs.delete(runId);
  }

  /** Runs still in progress (they hold pool slots and may need ticks). */
  active(): IterableIterator<[string, CachedRun]> {
    return this.runs.entries();
  }

  /** Finished runs leave the cache; a later clear refolds them from the log. */
  dropFinished(): void {
    for (const [runId, entry] of this.runs) if (entry.state.run.status !== 'running') this.runs.delete(runId);
  }

  get size(): number {
    return this.runs.size;
  }
}
