import { sql, type Kysely } from 'kysely';

/**
 * Least privilege (issue #10): `event_log` is append-only for everyone, the owner included. Service roles
 * get no UPDATE/DELETE/TRUNCATE grants (`tributary migrate --grant`); these triggers refuse the same
 * statements from a role that owns the table or was granted more, so a stray `update event_log` fails
 * loudly instead of silently breaking the hash chain. An owner can still disable them (ALTER TABLE …
 * DISABLE TRIGGER): that is what `audit verify` and signed checkpoints are for.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function event_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'event_log is append-only: % refused (events are never changed or removed)', tg_op
        using errcode = 'insufficient_privilege',
              hint = 'Record a new event instead; see docs/security.md, "Least privilege".';
    end
    $$`.execute(db);
  await sql`
    create trigger event_log_append_only before update or delete on event_log
    for each row execute function event_log_append_only()`.execute(db);
  await sql`
    create trigger event_log_no_truncate before truncate on event_log
    for each statement execute function event_log_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists event_log_no_truncate on event_log`.execute(db);
  await sql`drop trigger if exists event_log_append_only on event_log`.execute(db);
  await sql`drop function if exists event_log_append_only()`.execute(db);
}
