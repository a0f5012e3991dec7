import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Runs `statement` on `event_log` the way an attacker with owner rights would: with the append-only
 * triggers (migration 013) disabled for one transaction. Tests of tamper detection use it.
 */
export async function tamperWithEventLog(db: Kysely<any>, statement: RawBuilder<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`alter table event_log disable trigger user`.execute(trx);
    await statement.execute(trx);
    await sql`alter table event_log enable trigger user`.execute(trx);
  });
}
