import { sql, type Kysely } from 'kysely';

/**
 * The fan-in's own bookkeeping: per run, how many top-level group blocks it has seen expand, which
 * groups are still open, and which consolidation round it last triggered. Kept apart from the
 * planner's projections: the fan-in is an independent service with its own state.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fan_in_runs')
    .addColumn('run_id', 'text', (col) => col.primaryKey())
    .addColumn('blocks_total', 'integer', (col) => col.notNull())
    .addColumn('blocks_seen', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('open_groups', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('round', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('armed', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('fan_in_groups')
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('path', 'text', (col) => col.notNull())
    .addColumn('block', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('last_run_seq', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('fan_in_groups_pk', ['run_id', 'path'])
    .execute();
  await db.schema
    .createTable('fan_in_blocks')
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('block', 'text', (col) => col.notNull())
    .addColumn('last_run_seq', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('fan_in_blocks_pk', ['run_id', 'block'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['fan_in_blocks', 'fan_in_groups', 'fan_in_runs'])
    await db.schema.dropTable(table).ifExists().execute();
}
