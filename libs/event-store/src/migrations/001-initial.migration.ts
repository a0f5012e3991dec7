import { sql, type Kysely } from 'kysely';

/**
 * The event log, its per-run heads, the outbox and the projections.
 * Typed `Kysely<any>`: a migration is frozen in time and must not follow later
 * changes of the `Database` interface.
 *
 * Projections carry no foreign keys on purpose: they are rebuilt from the log,
 * and a rebuild must be free to write them in any order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_log')
    .addColumn('seq', 'bigserial', (col) => col.primaryKey())
    .addColumn('event_id', 'uuid', (col) => col.notNull().unique())
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('run_seq', 'integer', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('task_id', 'text')
    .addColumn('attempt', 'integer')
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('actor', 'text')
    .addColumn('trace_id', 'text')
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull())
    .addColumn('recorded_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('prev_hash', 'text', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull())
    .addUniqueConstraint('event_log_run_id_run_seq_unique', ['run_id', 'run_seq'])
    .execute();

  await db.schema
    .createTable('run_streams')
    .addColumn('run_id', 'text', (col) => col.primaryKey())
    .addColumn('last_seq', 'integer', (col) => col.notNull())
    .addColumn('last_hash', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('msg_id', 'text', (col) => col.notNull().unique())
    .addColumn('subject', 'text', (col) => col.notNull())
    .addColumn('payload', 'bytea', (col) => col.notNull())
    .addColumn('headers', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .execute();
  // Publishers sweep only what is left to publish; published rows stay out of the index.
  await db.schema
    .createIndex('outbox_unpublished_idx')
    .on('outbox')
    .column('id')
    .where(sql.ref('published_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('pipelines')
    .addColumn('pipeline_id', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('spec', 'jsonb', (col) => col.notNull())
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('content_hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text')
    .addPrimaryKeyConstraint('pipelines_pk', ['pipeline_id', 'version'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('run_id', 'text', (col) => col.primaryKey())
    .addColumn('pipeline_id', 'text', (col) => col.notNull())
    .addColumn('pipeline_version', 'integer', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('params', 'jsonb', (col) => col.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('trace_id', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    // NULL keys are distinct in Postgres 15, so runs without a key never collide.
    .addUniqueConstraint('runs_pipeline_idempotency_key_unique', ['pipeline_id', 'idempotency_key'])
    .execute();
  await db.schema
    .createIndex('runs_pipeline_state_idx')
    .on('runs')
    .columns(['pipeline_id', 'state'])
    .execute();
  await db.schema.createIndex('runs_created_at_idx').on('runs').column('created_at').execute();

  await db.schema
    .createTable('groups')
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('path', 'text', (col) => col.notNull())
    .addColumn('block', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('parent_path', 'text')
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('value', 'jsonb')
    .addPrimaryKeyConstraint('groups_pk', ['run_id', 'path'])
    .execute();

  await db.schema
    .createTable('task_instances')
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('task_id', 'text', (col) => col.notNull())
    .addColumn('stage', 'text', (col) => col.notNull())
    .addColumn('group_path', 'text')
    .addColumn('map_index', 'integer')
    .addColumn('executor', 'text')
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('output', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('next_retry_at', 'timestamptz')
    .addColumn('queued_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('task_instances_pk', ['run_id', 'task_id'])
    .execute();
  // The retry scheduler asks "which up_for_retry instances are due?".
  await db.schema
    .createIndex('task_instances_state_next_retry_idx')
    .on('task_instances')
    .columns(['state', 'next_retry_at'])
    .execute();

  await db.schema
    .createTable('task_logs')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('task_id', 'text', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('at', 'timestamptz', (col) => col.notNull())
    .addColumn('level', 'text', (col) => col.notNull())
    .addColumn('message', 'text', (col) => col.notNull())
    .addColumn('fields', 'jsonb')
    .execute();
  await db.schema
    .createIndex('task_logs_attempt_idx')
    .on('task_logs')
    .columns(['run_id', 'task_id', 'attempt', 'id'])
    .execute();
}

/** Drops everything `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'task_logs',
    'task_instances',
    'groups',
    'runs',
    'pipelines',
    'outbox',
    'run_streams',
    'event_log',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
