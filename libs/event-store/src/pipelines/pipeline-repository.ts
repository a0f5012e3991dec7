import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PipelineSpec } from '@tributary/domain';
import type { Database } from '../db/database.js';
import { canonicalJson } from '../events/canonical-json.js';

export interface StoredPipeline {
  pipelineId: string;
  version: number;
  spec: PipelineSpec;
  source: string;
  contentHash: string;
  createdAt: Date;
  createdBy: string | null;
}

/**
 * Saves a validated spec as a new version, unless it equals the latest version (same canonical
 * content): applying the same file twice is a no-op. Every version is kept; runs pin theirs.
 */
export async function savePipelineVersion(
  db: Kysely<Database>,
  input: { spec: PipelineSpec; source: string; createdBy: string | null },
): Promise<{ pipeline: StoredPipeline; created: boolean }> {
  const contentHash = createHash('sha256').update(canonicalJson(input.spec)).digest('hex');
  return db.transaction().execute(async (trx) => {
    // Serialise versioning per pipeline id without a table lock.
    await trx
      .selectNoFrom((eb) =>
        eb.fn('pg_advisory_xact_lock', [eb.fn('hashtext', [eb.val(input.spec.id)])]).as('locked'),
      )
      .execute();
    const latest = await trx
      .selectFrom('pipelines')
      .selectAll()
      .where('pipeline_id', '=', input.spec.id)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (latest && latest.content_hash === contentHash) return { pipeline: toStored(latest), created: false };
    const row = await trx
      .insertInto('pipelines')
      .values({
        pipeline_id: input.spec.id,
        version: (latest?.version ?? 0) + 1,
        spec: JSON.stringify(input.spec),
        source: input.source,
        content_hash: contentHash,
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { pipeline: toStored(row), created: true };
  });
}

/** A pipeline version; the latest when `version` is omitted. */
export async function getPipeline(
  db: Kysely<Database>,
  pipelineId: string,
  version?: number,
): Promise<StoredPipeline | null> {
  let query = db.selectFrom('pipelines').selectAll().where('pipeline_id', '=', pipelineId);
  query =
    version === undefined ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version);
  const row = await query.executeTakeFirst();
  return row ? toStored(row) : null;
}

/** The latest version of every pipeline, by id. */
export async function listPipelines(db: Kysely<Database>): Promise<StoredPipeline[]> {
  const rows = await db
    .selectFrom('pipelines')
    .selectAll()
    .distinctOn('pipeline_id')
    .orderBy('pipeline_id')
    .orderBy('version', 'desc')
    .execute();
  return rows.map(toStored);
}

function toStored(row: {
  pipeline_id: string;
  version: number;
  spec: unknown;
  source: string;
  content_hash: string;
  created_at: Date;
  created_by: string | null;
}): StoredPipeline {
  return {
    pipelineId: row.pipeline_id,
    version: row.version,
    spec: row.spec as PipelineSpec,
    source: row.source,
    contentHash: row.content_hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** Each pipeline's latest version number. */
export async function latestPipelineVersions(
  db: Kysely<Database>,
): Promise<{ pipelineId: string; version: number }[]> {
  const rows = await db
    .selectFrom('pipelines')
    .select(['pipeline_id', (eb) => eb.fn.max('version').as('version')])
    .groupBy('pipeline_id')
    .execute();
  return rows.map((r) => ({ pipelineId: r.pipeline_id, version: Number(r.version) }));
}

/** One stored version of a pipeline, without its spec: what a version list shows. */
export interface PipelineVersionSummary {
  version: number;
  contentHash: string;
  createdAt: Date;
  createdBy: string | null;
}

/** Every version of one pipeline, newest first (empty when the pipeline does not exist). */
export async function listPipelineVersions(
  db: Kysely<Database>,
  pipelineId: string,
): Promise<PipelineVersionSummary[]> {
  const rows = await db
    .selectFrom('pipelines')
    .select(['version', 'content_hash', 'created_at', 'created_by'])
    .where('pipeline_id', '=', pipelineId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((row) => ({
    version: row.version,
    contentHash: row.content_hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
  }));
}
