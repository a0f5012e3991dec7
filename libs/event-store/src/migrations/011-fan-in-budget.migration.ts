import { sql, type Kysely } from 'kysely';

/**
 * Map labels (issue #9): the `label:` of a mapped stage or group block, per task instance and per group,
 * as recorded in TaskMapExpanded / GroupsExpanded. Null when the stage or block has no label.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table task_instances add column label text`.execute(db);
  await sql`alter table groups add column label text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table task_instances drop column label`.execute(db);
  await sql`alter table groups drop column label`.execute(db);
}
