import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { compareCodeUnits, type RunHead } from './checkpoint-format.js';
import { checkRunChain } from './run-chain-reader.js';

/** How a run fails against a signed checkpoint. */
export type CheckpointFindingKind =
  /** A row does not hash to its hash, or the chain links are broken: a row was edited, inserted or removed. */
  | 'edited'
  /** The checkpoint covers the run; the log has none of its events. */
  | 'deleted'
  /** The log ends before the run_seq the checkpoint covers: events were removed at the end. */
  | 'truncated'
  /** The chain verifies, but not to the head the checkpoint signed: history was rewritten and rehashed. */
  | 'rewritten';

export interface CheckpointFinding {
  runId: string;
  kind: CheckpointFindingKind;
  detail: string;
}

export interface CheckpointVerification {
  ok: boolean;
  checkpointSeq: number;
  /** Runs the checkpoint covers that were checked, and their events up to the checkpoint. */
  runsChecked: number;
  /** Runs in the log the checkpoint does not cover (newer): their chains were checked, not their heads. */
  runsNotCovered: number;
  findings: CheckpointFinding[];
}

/**
 * Checks the log against a signed checkpoint's heads (open it with `openCheckpoint` first): every covered
 * run must still be there, verify from genesis without trusting any head row, and reach the signed head
 * hash at the signed run_seq. `runId` limits it to one run. Runs newer than the checkpoint are chain-checked.
 */
export async function verifyAgainstCheckpoint(
  db: Kysely<Database>,
  checkpoint: { seq: number; heads: readonly RunHead[] },
  options: { runId?: string } = {},
): Promise<CheckpointVerification> {
  const findings: CheckpointFinding[] = [];
  const covered =
    options.runId === undefined
      ? checkpoint.heads
      : checkpoint.heads.filter((h) => h.runId === options.runId);
  for (const head of covered) {
    const check = await checkRunChain(db, head.runId, { atRunSeq: head.lastRunSeq });
    const finding = (kind: CheckpointFindingKind, detail: string) =>
      findings.push({ runId: head.runId, kind, detail: `run ${head.runId}: ${detail}` });
    if (check.events === 0)
      finding('deleted', `checkpoint ${checkpoint.seq} covers ${head.lastRunSeq} events, the log has none`);
    else if (check.break && check.break.runSeq <= head.lastRunSeq)
      findings.push({
        runId: head.runId,
        kind: 'edited',
        detail: `${check.break.detail} (${check.break.reason})`,
      });
    else if (check.head.runSeq < head.lastRunSeq)
      finding(
        'truncated',
        `the log ends at run_seq ${check.head.runSeq}, checkpoint ${checkpoint.seq} covers run_seq ${head.lastRunSeq}`,
      );
    else if (check.hashAt !== head.headHash)
      finding(
        'rewritten',
        `run_seq ${head.lastRunSeq} hashes to ${check.hashAt?.slice(0, 16)}…, checkpoint ${checkpoint.seq} signed ${head.headHash.slice(0, 16)}…: the chain was recomputed`,
      );
    else if (check.break)
      findings.push({
        runId: head.runId,
        kind: 'edited',
        detail: `${check.break.detail} (${check.break.reason}, after the checkpoint)`,
      });
  }

  const known = new Set(checkpoint.heads.map((h) => h.runId));
  const others =
    options.runId === undefined
      ? (await db.selectFrom('run_streams').select('run_id').where('last_seq', '>', 0).execute()).map(
          (r) => r.run_id,
        )
      : [options.runId];
  const notCovered = others.filter((id) => !known.has(id)).sort(compareCodeUnits);
  for (const runId of notCovered) {
    const check = await checkRunChain(db, runId);
    if (check.break)
      findings.push({ runId, kind: 'edited', detail: `${check.break.detail} (${check.break.reason})` });
  }
  const runsNotCovered = notCovered.length;
  return {
    ok: findings.length === 0,
    checkpointSeq: checkpoint.seq,
    runsChecked: covered.length,
    runsNotCovered,
    findings,
  };
}
