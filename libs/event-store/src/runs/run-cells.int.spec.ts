import { useTestDatabase } from '@tributary/testing';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/create-db.js';
import type { Database } from '../db/database.js';
import { migrateToLatest } from '../migrations/migrate-to-latest.js';
import { inCodeMigrationProvider } from '../migrations/migration-provider.js';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { readRunGrid } from './run-grid.js';
import type { InstanceCellCount } from './state-counts.js';

type Row = [runId: string, taskId: string, group: string | null, stage: string, state: string];

/** Test-only SQL, as every writer would: one multi-row upsert like the planner's. */
async function upsert(db: Kysely<Database>, rows: Row[]): Promise<void> {
  await db
    .insertInto('task_instances')
    .values(
      rows.map(([run_id, task_id, group_path, stage, state]) => ({
        run_id,
        task_id,
        group_path,
        stage,
        state,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['run_id', 'task_id']).doUpdateSet((eb) => ({ state: eb.ref('excluded.state') })),
    )
    .execute();
}

/** What the counts must be: the instances counted one by one. */
async function recount(db: Kysely<Database>, runId: string): Promise<InstanceCellCount[]> {
  const rows = await db
    .selectFrom('task_instances')
    .select(['group_path', 'stage', 'state', (eb) => eb.fn.countAll<string>().as('n')])
    .where('run_id', '=', runId)
    .groupBy(['group_path', 'stage', 'state'])
    .execute();
  return sorted(
    rows.map((r) => ({ groupPath: r.group_path, stage: r.stage, state: r.state, count: Number(r.n) })),
  );
}

const sorted = (cells: InstanceCellCount[]) =>
  [...cells].sort((a, b) =>
    `${a.groupPath}|${a.stage}|${a.state}`.localeCompare(`${b.groupPath}|${b.stage}|${b.state}`),
  );
/** The grid's read; it answers only runs it knows, so each gets a stream head first (test-only SQL). */
async function cells(db: Kysely<Database>, runId: string): Promise<InstanceCellCount[]> {
  await db
    .insertInto('run_streams')
    .values({ run_id: runId, last_seq: 0, last_hash: '' })
    .onConflict((oc) => oc.column('run_id').doNothing())
    .execute();
  return sorted((await readRunGrid(db, runId))!);
}

describe('run_cells (migration 016): the grid counts kept by task_instances triggers', () => {
  const db = useMigratedDb();

  it('follows inserts, upserts that insert and update at once, and deletes, per run', async () => {
    const rows: Row[] = [];
    for (const group of ['m=LU', 'm=FR', 'm=FR/l=fr']) {
      rows.push(['run-a', `${group}/fetch`, group, 'fetch', 'queued']);
      for (let i = 0; i < 50; i++) rows.push(['run-a', `${group}/each[${i}]`, group, 'each', 'none']);
    }
    rows.push(
      ['run-a', 'consolidate', null, 'consolidate', 'none'],
      ['run-b', 'g=1/fetch', 'g=1', 'fetch', 'queued'],
    );
    await upsert(db(), rows);
    expect(await cells(db(), 'run-a')).toEqual(await recount(db(), 'run-a'));
    expect(await cells(db(), 'run-a')).toContainEqual({
      groupPath: null,
      stage: 'consolidate',
      state: 'none',
      count: 1,
    });
    expect(await cells(db(), 'run-a')).toContainEqual({
      groupPath: 'm=FR',
      stage: 'each',
      state: 'none',
      count: 50,
    });

    // One statement that moves existing instances, leaves some unchanged and inserts new ones.
    await upsert(db(), [
      ['run-a', 'm=LU/fetch', 'm=LU', 'fetch', 'success'],
      ['run-a', 'm=FR/fetch', 'm=FR', 'fetch', 'queued'],
      ...Array.from({ length: 20 }, (_, i): Row => [
        'run-a',
        `m=LU/each[${i}]`,
        'm=LU',
        'each',
        i % 2 ? 'success' : 'failed',
      ]),
      ['run-a', 'm=LU/report', 'm=LU', 'report', 'none'],
      ['run-b', 'g=1/fetch', 'g=1', 'fetch', 'running'],
    ]);
    expect(await cells(db(), 'run-a')).toEqual(await recount(db(), 'run-a'));
    expect(await cells(db(), 'run-b')).toEqual([
      { groupPath: 'g=1', stage: 'fetch', state: 'running', count: 1 },
    ]);
    expect(await cells(db(), 'run-a')).toContainEqual({
      groupPath: 'm=LU',
      stage: 'each',
      state: 'failed',
      count: 10,
    });

    // A plain UPDATE, and a DELETE (a cleared map expansion removes instances).
    await db()
      .updateTable('task_instances')
      .set({ state: 'up_for_retry' })
      .where('run_id', '=', 'run-a')
      .where('state', '=', 'failed')
      .execute();
    await db()
      .deleteFrom('task_instances')
      .where('run_id', '=', 'run-a')
      .where('group_path', '=', 'm=FR/l=fr')
      .execute();
    const after = await cells(db(), 'run-a');
    expect(after).toEqual(await recount(db(), 'run-a'));
    expect(after.some((c) => c.groupPath === 'm=FR/l=fr')).toBe(false); // emptied cells are not answered
    expect(after).toContainEqual({ groupPath: 'm=LU', stage: 'each', state: 'up_for_retry', count: 10 });
    expect(await cells(db(), 'run-b')).toEqual(await recount(db(), 'run-b'));
  });

  it('stays exact under concurrent writers of different runs', async () => {
    const runs = Array.from({ length: 6 }, (_, i) => `conc-${i}`);
    await Promise.all(
      runs.map(async (run) => {
        for (let step = 0; step < 10; step++)
          await upsert(
            db(),
            Array.from({ length: 30 }, (_, i): Row => [
              run,
              `g=${i % 3}/t[${i}]`,
              `g=${i % 3}`,
              't',
              ['queued', 'running', 'success'][(step + i) % 3]!,
            ]),
          );
      }),
    );
    for (const run of runs) expect(await cells(db(), run)).toEqual(await recount(db(), run));
  });
});

describe('migration 016 counts the instances already there', () => {
  const database = useTestDatabase();
  let db: Kysely<Database>;
  beforeAll(() => {
    db = createDb(database().url);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('fills run_cells from task_instances when it is created', async () => {
    const migrator = new Migrator({ db, provider: inCodeMigrationProvider });
    expect((await migrator.migrateTo('015-audit-checkpoints')).error).toBeUndefined();
    await sql`insert into task_instances (run_id, task_id, stage, group_path, state) values
      ('old', 'g=1/a', 'a', 'g=1', 'success'), ('old', 'g=2/a', 'a', 'g=2', 'failed'),
      ('old', 'g=2/b', 'b', 'g=2', 'success'), ('old', 'z', 'z', null, 'none')`.execute(db);
    expect((await migrateToLatest(db)).executed).toEqual(['016-run-cells']);
    expect(await cells(db, 'old')).toEqual(await recount(db, 'old'));
    expect(await cells(db, 'old')).toHaveLength(4);
  });
});
