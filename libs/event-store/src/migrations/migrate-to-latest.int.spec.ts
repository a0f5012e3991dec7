import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/create-db.js';
import type { Database } from '../db/database.js';
import { migrateToLatest } from './migrate-to-latest.js';

const TABLES = [
  'accepted_triggers',
  'api_tokens',
  'audit_checkpoint_heads',
  'audit_checkpoints',
  'dead_letters',
  'event_log',
  'fan_in_blocks',
  'fan_in_groups',
  'fan_in_runs',
  'groups',
  'outbox',
  'pipelines',
  'pools',
  'run_cells',
  'run_streams',
  'runs',
  'task_instances',
  'task_logs',
];

describe('migrateToLatest', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('creates every table on an empty database', async () => {
    const before = await sql<{
      n: string;
    }>`select count(*) as n from information_schema.tables where table_schema = 'public'`.execute(db);
    expect(before.rows[0]?.n).toBe('0');

    expect(await migrateToLatest(db)).toEqual({
      executed: [
        '001-initial',
        '002-fan-in',
        '003-api-tokens',
        '004-shared-limits',
        '005-outbox-uncompressed',
        '006-dead-letters',
        '009-run-outcome',
        '011-fan-in-budget',
        '012-token-lifecycle',
        '013-append-only-event-log',
        '015-audit-checkpoints',
        '016-run-cells',
      ],
    });

    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(db);
    expect(tables.rows.map((row) => row.table_name)).toEqual(TABLES);
  });

  it('stores outbox payloads uncompressed (005: they live seconds, pglz cost the write path)', async () => {
    const storage = await sql<{ attstorage: string }>`
      select attstorage from pg_attribute
      where attrelid = 'outbox'::regclass and attname = 'payload'`.execute(db);
    expect(storage.rows).toEqual([{ attstorage: 'e' }]);
  });

  it('is a no-op the second time, and when several services start at once', async () => {
    expect(await migrateToLatest(db)).toEqual({ executed: [] });
    const concurrent = await Promise.all([migrateToLatest(db), migrateToLatest(db), migrateToLatest(db)]);
    expect(concurrent).toEqual([{ executed: [] }, { executed: [] }, { executed: [] }]);
  });

  it('creates the indexes the hot queries need', async () => {
    const indexes = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes where schemaname = 'public'`.execute(db);
    const byName = new Map(indexes.rows.map((row) => [row.indexname, row.indexdef]));
    expect(byName.get('outbox_unpublished_idx')).toMatch(/WHERE \(published_at IS NULL\)/);
    expect(byName.get('task_instances_state_next_retry_idx')).toMatch(/\(state, next_retry_at\)/);
    expect(byName.get('task_logs_attempt_idx')).toMatch(/\(run_id, task_id, attempt, id\)/);
    expect(byName.get('runs_pipeline_state_idx')).toMatch(/\(pipeline_id, state\)/);
    expect(byName.get('runs_created_at_idx')).toMatch(/\(created_at\)/);
    // Shared limits across planner replicas (004).
    expect(byName.get('task_instances_pool_active_idx')).toMatch(/\(pool\) WHERE/);
    expect(byName.get('runs_running_by_pipeline_idx')).toMatch(/\(pipeline_id, created_at\) WHERE/);
    expect(byName.get('event_log_run_id_run_seq_unique')).toMatch(/UNIQUE.*\(run_id, run_seq\)/);
    expect(byName.get('runs_pipeline_idempotency_key_unique')).toMatch(
      /UNIQUE.*\(pipeline_id, idempotency_key\)/,
    );
  });

  it('keeps every pipeline version and refuses a second run with the same idempotency key', async () => {
    const pipeline = { spec: '{}', source: 'id: p', content_hash: 'h' };
    await db
      .insertInto('pipelines')
      .values([
        { pipeline_id: 'p', version: 1, ...pipeline },
        { pipeline_id: 'p', version: 2, ...pipeline },
      ])
      .execute();
    const run = { pipeline_id: 'p', pipeline_version: 2, state: 'running', params: '{}' };
    await db
      .insertInto('runs')
      .values([
        { run_id: 'r1', idempotency_key: 'k', ...run },
        { run_id: 'r2', idempotency_key: null, ...run },
        { run_id: 'r3', idempotency_key: null, ...run },
      ])
      .execute();
    await expect(
      db
        .insertInto('runs')
        .values({ run_id: 'r4', idempotency_key: 'k', ...run })
        .execute(),
    ).rejects.toMatchObject({
      code: '23505',
    });
    const defaults = await db.selectFrom('task_instances').selectAll().execute();
    expect(defaults).toEqual([]);
  });
});
