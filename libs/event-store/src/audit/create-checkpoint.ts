import type { KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { EventStoreError } from '../errors/event-store.error.js';
import {
  CHECKPOINT_FORMAT,
  checkpointHash,
  GENESIS_CHECKPOINT_HASH,
  runsRoot,
  type CheckpointDocument,
  type CheckpointHeader,
  type RunHead,
} from './checkpoint-format.js';
import { checkpointSignatureValid, keyIdOf, signCheckpoint } from './checkpoint-signing.js';
import { readCurrentHeads } from './current-run-heads.js';
import { checkRunChain } from './run-chain-reader.js';
import { checkpointHeads, headerOfRow, latestCheckpointRow } from './stored-checkpoints.js';

/** Thrown when the log no longer extends the previous checkpoint: nothing is signed, each problem is named. */
export class CheckpointRefusedError extends EventStoreError {
  constructor(readonly problems: readonly string[]) {
    super(
      `checkpoint refused: the log does not extend the previous checkpoint (${problems.length} problem(s)):\n  ${problems.join('\n  ')}`,
      { code: 'checkpoint_refused' },
    );
  }
}

/**
 * Creates, signs and stores the next checkpoint over every run's head. Reads one REPEATABLE READ snapshot.
 * Before signing it checks that the log extends the previous checkpoint: its stored heads still hash to
 * its signed root, every run it covers is still there, each changed run's new events chain from its
 * signed head, and each new run verifies from genesis. So a signed checkpoint never endorses a deletion
 * or a rewrite of what an earlier one covered. Edits to events older than the previous checkpoint are
 * left to `verifyAgainstCheckpoint` (a full read).
 *
 * @throws CheckpointRefusedError naming every run that breaks the extension.
 */
export async function createCheckpoint(
  db: Kysely<Database>,
  signingKey: KeyObject,
  options: { now?: Date } = {},
): Promise<CheckpointDocument> {
  const keyId = keyIdOf(signingKey);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const problems: string[] = [];
      const previousRow = await latestCheckpointRow(trx);
      let previousHeads: RunHead[] = [];
      if (previousRow) {
        previousHeads = await checkpointHeads(trx, previousRow.seq);
        const previous = headerOfRow(previousRow);
        // Nothing else can be judged against heads that are not the signed ones.
        if (runsRoot(previousHeads) !== previous.runsRoot || checkpointHash(previous) !== previousRow.hash)
          throw new CheckpointRefusedError([
            `checkpoint ${previous.seq}: its stored rows no longer hash to what was signed (restore them from the published copy)`,
          ]);
        if (
          previous.keyId === keyId &&
          !checkpointSignatureValid(previous, previousRow.signature, signingKey)
        )
          problems.push(`checkpoint ${previous.seq}: its signature does not verify with this key`);
      }

      const current = await readCurrentHeads(trx);
      for (const p of current.problems) problems.push(`run ${p.runId}: ${p.detail}`);
      const currentByRun = new Map(current.heads.map((h) => [h.runId, h]));
      const previousByRun = new Map(previousHeads.map((h) => [h.runId, h]));

      for (const before of previousHeads) {
        const now = currentByRun.get(before.runId);
        if (!now) {
          if (!current.problems.some((p) => p.runId === before.runId))
            problems.push(
              `run ${before.runId}: in checkpoint ${previousRow!.seq} (${before.lastRunSeq} events), gone from the log`,
            );
          continue;
        }
        if (now.lastRunSeq < before.lastRunSeq) {
          problems.push(
            `run ${before.runId}: checkpoint ${previousRow!.seq} covers run_seq ${before.lastRunSeq}, the log ends at ${now.lastRunSeq}`,
          );
        } else if (now.lastRunSeq === before.lastRunSeq) {
          if (now.headHash !== before.headHash)
            problems.push(
              `run ${before.runId}: run_seq ${now.lastRunSeq} no longer has the hash checkpoint ${previousRow!.seq} signed`,
            );
        } else {
          const check = await checkRunChain(trx, before.runId, {
            from: { runSeq: before.lastRunSeq, hash: before.headHash },
          });
          if (check.break) problems.push(check.break.detail);
        }
      }
      for (const head of current.heads) {
        if (previousByRun.has(head.runId)) continue;
        const check = await checkRunChain(trx, head.runId);
        if (check.break) problems.push(check.break.detail);
      }
      if (problems.length > 0) throw new CheckpointRefusedError(problems);

      const header: CheckpointHeader = {
        format: CHECKPOINT_FORMAT,
        seq: (previousRow?.seq ?? 0) + 1,
        createdAt: (options.now ?? new Date()).toISOString(),
        highWaterSeq: current.highWaterSeq,
        runCount: current.heads.length,
        eventCount: current.heads.reduce((sum, h) => sum + h.lastRunSeq, 0),
        runsRoot: runsRoot(current.heads),
        prevHash: previousRow?.hash ?? GENESIS_CHECKPOINT_HASH,
        keyId,
      };
      const hash = checkpointHash(header);
      const signature = signCheckpoint(header, signingKey);
      await trx
        .insertInto('audit_checkpoints')
        .values({
          seq: header.seq,
          created_at: new Date(header.createdAt),
          high_water_seq: header.highWaterSeq,
          run_count: header.runCount,
          event_count: header.eventCount,
          runs_root: header.runsRoot,
          prev_hash: header.prevHash,
          key_id: keyId,
          hash,
          signature,
        })
        .execute();
      const changed = current.heads.filter((h) => {
        const before = previousByRun.get(h.runId);
        return !before || before.lastRunSeq !== h.lastRunSeq;
      });
      for (let i = 0; i < changed.length; i += 5000) {
        await trx
          .insertInto('audit_checkpoint_heads')
          .values(
            changed.slice(i, i + 5000).map((h) => ({
              run_id: h.runId,
              checkpoint_seq: header.seq,
              last_run_seq: h.lastRunSeq,
              head_hash: h.headHash,
            })),
          )
          .execute();
      }
      return {
        checkpoint: header,
        hash,
        signature,
        runs: current.heads.map((h) => [h.runId, h.lastRunSeq, h.headHash]),
      };
    });
}
