import { sql, type Kysely } from 'kysely';

/**
 * Triggers the api accepted (answered 202) and published, recorded before the publish so that
 * `GET /runs/:id` of an accepted run id answers `queued` until the planner has taken it (issue #9).
 * Not run state: the planner stays the only writer of `runs`; this is the api's receipt.
 * One row per run id; a repeated idempotency key names the same run, so the insert is a no-op.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table accepted_triggers (
      run_id text primary key,
      pipeline_id text not null,
      pipeline_version integer not null,
      params jsonb not null,
      actor text not null,
      accepted_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('accepted_triggers').ifExists().execute();
}
