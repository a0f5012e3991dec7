import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { AuditCheckpointRow } from '../tables/audit-checkpoints.table.js';
import {
  CHECKPOINT_FORMAT,
  compareCodeUnits,
  type CheckpointDocument,
  type CheckpointHeader,
  type RunHead,
} from './checkpoint-format.js';

/** The newest checkpoint row, or undefined before the first. */
export function latestCheckpointRow(db: Kysely<Database>): Promise<AuditCheckpointRow | undefined> {
  return db.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** Every run's head as of checkpoint `seq`: per run, its row of the highest checkpoint ≤ seq. */
export async function checkpointHeads(db: Kysely<Database>, seq: number): Promise<RunHead[]> {
  const { rows } = await sql<{ run_id: string; last_run_seq: number; head_hash: string }>`
    select distinct on (run_id) run_id, last_run_seq, head_hash
    from audit_checkpoint_heads where checkpoint_seq <= ${seq}
    order by run_id, checkpoint_seq desc`.execute(db);
  return rows
    .map((r) => ({ runId: r.run_id, lastRunSeq: r.last_run_seq, headHash: r.head_hash }))
    .sort((a, b) => compareCodeUnits(a.runId, b.runId));
}

export function headerOfRow(row: AuditCheckpointRow): CheckpointHeader {
  return {
    format: CHECKPOINT_FORMAT,
    seq: row.seq,
    createdAt: row.created_at.toISOString(),
    highWaterSeq: String(row.high_water_seq),
    runCount: row.run_count,
    eventCount: Number(row.event_count),
    runsRoot: row.runs_root,
    prevHash: row.prev_hash,
    keyId: row.key_id,
  };
}

/** A stored checkpoint as its published document (to publish it again, e.g. after a failed upload). */
export async function readCheckpointDocument(
  db: Kysely<Database>,
  seq?: number,
): Promise<CheckpointDocument | null> {
  let query = db.selectFrom('audit_checkpoints').selectAll();
  query = seq === undefined ? query.orderBy('seq', 'desc').limit(1) : query.where('seq', '=', seq);
  const row = await query.executeTakeFirst();
  if (!row) return null;
  const heads = await checkpointHeads(db, row.seq);
  return {
    checkpoint: headerOfRow(row),
    hash: row.hash,
    signature: row.signature,
    runs: heads.map((h) => [h.runId, h.lastRunSeq, h.headHash]),
  };
}
