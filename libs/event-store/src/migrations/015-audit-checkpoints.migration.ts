import { sql, type Kysely } from 'kysely';

/**
 * Signed audit checkpoints (issue #10, item 5): periodically, every run's head (last run_seq and its hash)
 * is committed to by one hash, chained to the previous checkpoint and signed with an operator key kept
 * outside the database. The published copy is the trusted one; these rows let the next checkpoint chain
 * to this one and check only what changed since.
 * `audit_checkpoint_heads` holds a head only when it changed since the previous checkpoint: the heads of
 * checkpoint N are, per run, the row with the highest checkpoint_seq ≤ N.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table audit_checkpoints (
      seq integer primary key,
      created_at timestamptz not null,
      high_water_seq bigint not null,
      run_count integer not null,
      event_count bigint not null,
      runs_root text not null,
      prev_hash text not null,
      key_id text not null,
      hash text not null unique,
      signature text not null
    )`.execute(db);
  await sql`
    create table audit_checkpoint_heads (
      run_id text not null,
      checkpoint_seq integer not null,
      last_run_seq integer not null,
      head_hash text not null,
      primary key (run_id, checkpoint_seq)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_checkpoint_heads').ifExists().execute();
  await db.schema.dropTable('audit_checkpoints').ifExists().execute();
}
