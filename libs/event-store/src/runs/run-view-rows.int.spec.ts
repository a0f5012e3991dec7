import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { readRunGrid } from './run-grid.js';
import { readRunViewRows } from './run-view-rows.js';

let statements = 0;
/** The statements one read sends: each is a round trip. */
async function counted<T>(read: () => Promise<T>): Promise<{ value: T; statements: number }> {
  statements = 0;
  const value = await read();
  return { value, statements };
}

/** Test-only SQL: the rows the projections and the api would have written. */
async function seed(db: Kysely<Database>): Promise<void> {
  await db
    .insertInto('runs')
    .values([
      {
        run_id: 'big',
        pipeline_id: 'p',
        pipeline_version: 3,
        state: 'success',
        params: JSON.stringify({ day: '2026-01-02', n: 1 }),
        created_at: '2026-01-02T03:04:05.123456Z', // microseconds: pg's Date keeps the milliseconds
        finished_at: '2026-01-02T04:00:00.999999Z',
        reason: null,
      },
      {
        run_id: 'fresh',
        pipeline_id: 'p',
        pipeline_version: 1,
        state: 'rejected',
        params: '{}',
        reason: 'no',
      },
    ])
    .execute();
  await db
    .insertInto('run_streams')
    .values([
      { run_id: 'big', last_seq: 42, last_hash: 'h' },
      { run_id: 'logged-only', last_seq: 1, last_hash: 'h' },
    ])
    .execute();
  await db
    .insertInto('groups')
    .values([
      {
        run_id: 'big',
        path: 'm=LU',
        block: 'm',
        key: 'LU',
        parent_path: null,
        state: 'success',
        label: 'Lux',
      },
      { run_id: 'big', path: 'm=FR/l=fr', block: 'l', key: 'fr', parent_path: 'm=FR', state: 'failed' },
      { run_id: 'big', path: 'm=FR', block: 'm', key: 'FR', parent_path: null, state: 'failed' },
    ])
    .execute();
  await db
    .insertInto('task_instances')
    .values(
      (
        [
          ['m=LU/a', 'm=LU', 'a', 'success'],
          ['m=LU/b', 'm=LU', 'b', 'success'],
          ['m=FR/a', 'm=FR', 'a', 'success'],
          ['m=FR/l=fr/a[0]', 'm=FR/l=fr', 'a', 'failed'],
          ['m=FR/l=fr/a[1]', 'm=FR/l=fr', 'a', 'success'],
          ['m=FR/l=fr/a[2]', 'm=FR/l=fr', 'a', 'moved'],
          ['z', null, 'z', 'upstream_failed'],
        ] as const
      ).map(([task_id, group_path, stage, state]) => ({ run_id: 'big', task_id, group_path, stage, state })),
    )
    .execute();
  // An emptied cell keeps its row at 0: it is not answered.
  await db.deleteFrom('task_instances').where('task_id', '=', 'm=FR/l=fr/a[2]').execute();
  await db
    .insertInto('accepted_triggers')
    .values([
      { run_id: 'queued', pipeline_id: 'q', pipeline_version: 2, params: '{"x":[1]}', actor: 'me' },
      // Taken by the planner: its runs row wins.
      { run_id: 'fresh', pipeline_id: 'p', pipeline_version: 1, params: '{}', actor: 'me' },
    ])
    .execute();
}

describe('readRunViewRows and readRunGrid: the run page in one statement each', () => {
  const db = useMigratedDb({ log: (event) => void (event.level === 'query' && statements++) });
  beforeAll(async () => seed(db()));

  it('reads a run with nested groups: its row as selectAll gives it, the head, groups and cells', async () => {
    const run = await db()
      .selectFrom('runs')
      .selectAll()
      .where('run_id', '=', 'big')
      .executeTakeFirstOrThrow();
    const { value, statements: n } = await counted(() => readRunViewRows(db(), 'big'));
    expect(n).toBe(1);
    expect(value).toEqual({
      kind: 'run',
      run: {
        run_id: 'big',
        pipeline_id: 'p',
        pipeline_version: 3,
        state: 'success',
        params: { day: '2026-01-02', n: 1 },
        created_at: run.created_at,
        finished_at: run.finished_at,
        reason: null,
      },
      lastSeq: 42,
      groups: [
        { path: 'm=FR', state: 'failed', label: null },
        { path: 'm=FR/l=fr', state: 'failed', label: null },
        { path: 'm=LU', state: 'success', label: 'Lux' },
      ],
      cells: [
        { groupPath: null, stage: 'z', state: 'upstream_failed', count: 1 },
        { groupPath: 'm=FR', stage: 'a', state: 'success', count: 1 },
        { groupPath: 'm=FR/l=fr', stage: 'a', state: 'failed', count: 1 },
        { groupPath: 'm=FR/l=fr', stage: 'a', state: 'success', count: 1 },
        { groupPath: 'm=LU', stage: 'a', state: 'success', count: 1 },
        { groupPath: 'm=LU', stage: 'b', state: 'success', count: 1 },
      ],
    });
    expect(run.created_at.toISOString()).toBe('2026-01-02T03:04:05.123Z');
  });

  it('reads a run without stream head, groups or instances', async () => {
    const value = await readRunViewRows(db(), 'fresh');
    expect(value).toMatchObject({ kind: 'run', run: { state: 'rejected', reason: 'no' }, lastSeq: 0 });
    expect(value).toMatchObject({ groups: [], cells: [] });
  });

  it('reads a queued run from its accepted trigger, in the same one statement', async () => {
    const [{ accepted_at }] = (
      await sql<{
        accepted_at: Date;
      }>`select accepted_at from accepted_triggers where run_id = 'queued'`.execute(db())
    ).rows as [{ accepted_at: Date }];
    const { value, statements: n } = await counted(() => readRunViewRows(db(), 'queued'));
    expect(n).toBe(1);
    expect(value).toEqual({
      kind: 'queued',
      trigger: { run_id: 'queued', pipeline_id: 'q', pipeline_version: 2, params: { x: [1] }, accepted_at },
    });
  });

  it('answers null for a run it does not know', async () => {
    expect(await readRunViewRows(db(), 'nope')).toBeNull();
    expect(await readRunViewRows(db(), 'logged-only')).toBeNull(); // the view needs a runs row or a receipt
  });

  it('reads the grid: cells of a known run, [] for a logged run without cells, null for an unknown one', async () => {
    const { value, statements: n } = await counted(() => readRunGrid(db(), 'big'));
    expect(n).toBe(1);
    expect(value).toHaveLength(6);
    expect(value?.[0]).toEqual({ groupPath: null, stage: 'z', state: 'upstream_failed', count: 1 });
    expect(await readRunGrid(db(), 'fresh')).toEqual([]);
    expect(await readRunGrid(db(), 'logged-only')).toEqual([]);
    expect(await readRunGrid(db(), 'queued')).toBeNull();
    expect(await readRunGrid(db(), 'nope')).toBeNull();
  });
});
