import { sql, type Kysely } from 'kysely';

/**
 * Limits shared by every planner replica: each task instance row names its pool, so the active
 * (queued/running) instances of a pool are counted across all runs and replicas; a `pools` row per
 * pool holds its token bucket and is the lock that serialises dispatches into the pool; and each run
 * row says when it took a `maxActiveRuns` slot.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('task_instances').addColumn('pool', 'text').execute();
  await sql`create index task_instances_pool_active_idx on task_instances (pool)
            where pool is not null and state in ('queued', 'running')`.execute(db);
  // maxActiveRuns: a run holds a slot from its first dispatch (admitted_at) until it finishes; the
  // admission reads a pipeline's running runs, admitted or waiting (oldest first).
  await db.schema.alterTable('runs').addColumn('admitted_at', 'timestamptz').execute();
  await sql`create index runs_running_by_pipeline_idx on runs (pipeline_id, created_at)
            where state = 'running'`.execute(db);
  await db.schema
    .createTable('pools')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('tokens', 'double precision')
    .addColumn('tokens_at_ms', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pools').ifExists().execute();
  await sql`drop index if exists runs_running_by_pipeline_idx`.execute(db);
  await sql`drop index if exists task_instances_pool_active_idx`.execute(db);
  await db.schema.alterTable('task_instances').dropColumn('pool').execute();
  await db.schema.alterTable('runs').dropColumn('admitted_at').execute();
}
