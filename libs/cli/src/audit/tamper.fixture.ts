import { sql, type Kysely, type Transaction } from 'kysely';
import { computeEventHash, type Database } from '@tributary/event-store';

/**
 * Runs `change` the way a database owner tampers: with user triggers off for the transaction
 * (`session_replication_role = replica`), so the append-only trigger on `event_log` does not stop it.
 */
export function asOwner(
  db: Kysely<Database>,
  change: (trx: Transaction<Database>) => Promise<void>,
): Promise<void> {
  return db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await change(trx);
  });
}

/**
 * Rewrites history and covers it up: changes the actor of `runSeq`, recomputes the hash of that row and of
 * every later one, and moves the run's head row along — so the run's own chain and head verify again.
 */
export function rewriteAndRehash(
  db: Kysely<Database>,
  runId: string,
  runSeq: number,
  actor: string,
): Promise<void> {
  return asOwner(db, async (trx) => {
    const rows = await trx
      .selectFrom('event_log')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('run_seq')
      .execute();
    let prevHash = rows.find((r) => r.run_seq === runSeq - 1)?.hash ?? '0'.repeat(64);
    for (const row of rows.filter((r) => r.run_seq >= runSeq)) {
      const edited = { ...row, actor: row.run_seq === runSeq ? actor : row.actor };
      const hash = computeEventHash(prevHash, {
        eventId: edited.event_id,
        runId: edited.run_id,
        runSeq: edited.run_seq,
        type: edited.type,
        taskId: edited.task_id,
        attempt: edited.attempt,
        payload: edited.payload,
        actor: edited.actor,
        traceId: edited.trace_id,
        occurredAt: edited.occurred_at,
      });
      await trx
        .updateTable('event_log')
        .set({ actor: edited.actor, prev_hash: prevHash, hash })
        .where('seq', '=', row.seq)
        .execute();
      prevHash = hash;
    }
    await trx.updateTable('run_streams').set({ last_hash: prevHash }).where('run_id', '=', runId).execute();
  });
}
