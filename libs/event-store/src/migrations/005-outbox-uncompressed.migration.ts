import { sql, type Kysely } from 'kysely';

/**
 * Outbox payloads are stored uncompressed (out of line when large, without pglz): a row lives seconds
 * until it is published, and compressing a commit's megabyte of protobuf cost the planner's one write
 * path more than the bytes it saved.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table outbox alter column payload set storage external`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table outbox alter column payload set storage extended`.execute(db);
}
