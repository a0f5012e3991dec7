import type { Kysely } from 'kysely';
import { compilePlan, type CompiledPlan } from '@tributary/domain';
import { getPipeline, type Database, type StoredPipeline } from '@tributary/event-store';

export interface CachedPlan {
  pipeline: StoredPipeline;
  plan: CompiledPlan;
  version: number;
}

/** Compiled pipeline versions a process keeps by default (each is read and compiled again once evicted). */
export const DEFAULT_PLAN_CACHE_SIZE = 256;

/**
 * Stored pipeline versions with their compiled plans. A version never changes, so each is read and
 * compiled once per process while cached; "latest" is looked up every time (a new version may have been
 * applied). At most `maxVersions` are kept, least recently used out first: an evicted version is read
 * and compiled again on its next use, so eviction costs time, never correctness.
 */
export class PlanCache {
  private readonly versions = new Map<string, Promise<CachedPlan | null>>();

  constructor(
    private readonly db: Kysely<Database>,
    readonly maxVersions: number = DEFAULT_PLAN_CACHE_SIZE,
  ) {}

  /** Versions held now. */
  get size(): number {
    return this.versions.size;
  }

  /** The plan of a version, or of the latest version when `version` is omitted; null when unknown. */
  async get(pipelineId: string, version?: number): Promise<CachedPlan | null> {
    if (version === undefined) {
      const latest = await getPipeline(this.db, pipelineId);
      return latest ? this.get(pipelineId, latest.version) : null;
    }
    const key = `${pipelineId}@${version}`;
    let entry = this.versions.get(key);
    if (entry) {
      // Most recently used last: Map order is the eviction order.
      this.versions.delete(key);
      this.versions.set(key, entry);
    } else {
      entry = getPipeline(this.db, pipelineId, version).then((row) =>
        row ? { pipeline: row, plan: compilePlan(row.spec), version: row.version } : null,
      );
      this.versions.set(key, entry);
      // A failed read or an unknown version is not remembered (it may exist on the next call) and
      // evicts nothing; a found one makes room by evicting the least recently used.
      const mine = entry;
      const forget = () => this.versions.get(key) === mine && this.versions.delete(key);
      entry.then((found) => (found ? this.trim() : forget()), forget);
    }
    return entry;
  }

  private trim(): void {
    for (const oldest of this.versions.keys()) {
      if (this.versions.size <= this.maxVersions) return;
      this.versions.delete(oldest);
    }
  }

  /** Just the compiled plan of a known version (null when unknown). */
  async plan(pipelineId: string, version: number): Promise<CompiledPlan | null> {
    return (await this.get(pipelineId, version))?.plan ?? null;
  }
}
