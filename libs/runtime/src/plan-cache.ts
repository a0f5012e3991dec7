import type { Kysely } from 'kysely';
import { compilePlan, type CompiledPlan } from '@tributary/domain';
import { getPipeline, type Database, type StoredPipeline } from '@tributary/event-store';

export interface CachedPlan {
  pipeline: StoredPipeline;
  plan: CompiledPlan;
  version: number;
}

/**
 * Stored pipeline versions with their compiled plans. A version never changes, so each is read and
 * compiled once per process; "latest" is looked up every time (a new version may have been applied).
 */
export class PlanCache {
  private readonly versions = new Map<string, Promise<CachedPlan | null>>();

  constructor(private readonly db: Kysely<Database>) {}

  /** The plan of a version, or of the latest version when `version` is omitted; null when unknown. */
  async get(pipelineId: string, version?: number): Promise<CachedPlan | null> {
    if (version === undefined) {
      const latest = await getPipeline(this.db, pipelineId);
      return latest ? this.get(pipelineId, latest.version) : null;
    }
    const key = `${pipelineId}@${version}`;
    let entry = this.versions.get(key);
    if (!entry) {
      entry = getPipeline(this.db, pipelineId, version).then((row) =>
        row ? { pipeline: row, plan: compilePlan(row.spec), version: row.version } : null,
      );
      this.versions.set(key, entry);
      // A failed read or an unknown version is not remembered: it may exist on the next call.
      entry.then(
        (found) => found ?? this.versions.delete(key),
        () => this.versions.delete(key),
      );
    }
    return entry;
  }

  /** Just the compiled plan of a known version (null when unknown). */
  async plan(pipelineId: string, version: number): Promise<CompiledPlan | null> {
    return (await this.get(pipelineId, version))?.plan ?? null;
  }
}
