import { sql, type Kysely, type Transaction } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { appendEvents } from '../events/append-events.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { checkpointHash, runsRoot } from './checkpoint-format.js';
import { checkpointSignatureValid, generateSigningKey, parsePrivateKey } from './checkpoint-signing.js';
import { CheckpointRefusedError, createCheckpoint } from './create-checkpoint.js';
import { readCheckpointDocument } from './stored-checkpoints.js';

/** As a database owner would: past the append-only triggers on event_log (migration 013). */
const asOwner = (db: Kysely<Database>, change: (trx: Transaction<Database>) => Promise<unknown>) =>
  db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await change(trx);
  });

async function refusal(db: Kysely<Database>, key: ReturnType<typeof parsePrivateKey>): Promise<string[]> {
  const error = await createCheckpoint(db, key).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CheckpointRefusedError);
  return [...(error as CheckpointRefusedError).problems];
}

describe('createCheckpoint (Postgres)', () => {
  const db = useMigratedDb();
  const key = parsePrivateKey(generateSigningKey().privateKeyPem, 'test key');
  const runA = newRunId('a');
  const runB = newRunId('b');

  it('signs every run head, stores it, and chains the next one storing only the moved heads', async () => {
    await appendEvents(db(), { events: [newEvent(runA), newEvent(runA), newEvent(runB)] });
    const first = await createCheckpoint(db(), key, { now: new Date('2026-12-05T10:00:00.000Z') });
    expect(first.checkpoint).toMatchObject({
      seq: 1,
      runCount: 2,
      eventCount: 3,
      createdAt: '2026-12-05T10:00:00.000Z',
    });
    expect(first.runs.map(([id, seq]) => [id, seq])).toEqual([
      [runA, 2],
      [runB, 1],
    ]);
    expect(first.hash).toBe(checkpointHash(first.checkpoint));
    expect(checkpointSignatureValid(first.checkpoint, first.signature, key)).toBe(true);
    expect(await readCheckpointDocument(db(), 1)).toEqual(first);

    await appendEvents(db(), { events: [newEvent(runB)] });
    const second = await createCheckpoint(db(), key);
    expect(second.checkpoint).toMatchObject({ seq: 2, prevHash: first.hash, eventCount: 4 });
    const stored = await db()
      .selectFrom('audit_checkpoint_heads')
      .selectAll()
      .where('checkpoint_seq', '=', 2)
      .execute();
    expect(stored.map((h) => [h.run_id, h.last_run_seq])).toEqual([[runB, 2]]);
    expect((await readCheckpointDocument(db()))!.checkpoint.runsRoot).toBe(
      runsRoot(second.runs.map(([runId, lastRunSeq, headHash]) => ({ runId, lastRunSeq, headHash }))),
    );
  });

  it('refuses when the stored checkpoint no longer hashes to what was signed', async () => {
    await db()
      .updateTable('audit_checkpoint_heads')
      .set({ last_run_seq: 9 })
      .where('run_id', '=', runA)
      .execute();
    expect(await refusal(db(), key)).toEqual([
      'checkpoint 2: its stored rows no longer hash to what was signed (restore them from the published copy)',
    ]);
    await db()
      .updateTable('audit_checkpoint_heads')
      .set({ last_run_seq: 2 })
      .where('run_id', '=', runA)
      .execute();
  });

  it('refuses a truncated run and a deleted run, naming each', async () => {
    await asOwner(db(), async (trx) => {
      await trx.deleteFrom('event_log').where('run_id', '=', runB).where('run_seq', '=', 2).execute();
      const head = await trx
        .selectFrom('event_log')
        .select('hash')
        .where('run_id', '=', runB)
        .where('run_seq', '=', 1)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('run_streams')
        .set({ last_seq: 1, last_hash: head.hash })
        .where('run_id', '=', runB)
        .execute();
      await trx.deleteFrom('event_log').where('run_id', '=', runA).execute();
      await trx.deleteFrom('run_streams').where('run_id', '=', runA).execute();
    });
    expect(await refusal(db(), key)).toEqual([
      `run ${runA}: in checkpoint 2 (2 events), gone from the log`,
      `run ${runB}: checkpoint 2 covers run_seq 2, the log ends at 1`,
    ]);
    expect(await db().selectFrom('audit_checkpoints').select('seq').execute()).toHaveLength(2);
  });
});
