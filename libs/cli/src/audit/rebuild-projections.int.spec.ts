import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateToLatest, type Database } from '@tributary/event-store';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { runCli } from '../program.js';
import { recordingContext } from '../test-support.js';
import { driveRun } from './drive-run.fixture.js';

/** Every projected row of a run, minus the bookkeeping column `updated_at` (the time of the write). */
async function projectedRows(db: Kysely<Database>, runId: string) {
  const strip = <T extends { updated_at?: unknown }>(rows: T[]) =>
    rows.map(({ updated_at: _, ...row }) => row);
  return {
    runs: strip(await db.selectFrom('runs').selectAll().where('run_id', '=', runId).execute()),
    groups: await db.selectFrom('groups').selectAll().where('run_id', '=', runId).orderBy('path').execute(),
    tasks: strip(
      await db
        .selectFrom('task_instances')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('task_id')
        .execute(),
    ),
  };
}

describe('projections rebuild (Postgres)', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  const runA = randomUUID();
  const runB = randomUUID();
  const cli = async (...args: string[]) => {
    const ctx = recordingContext({ TRIBUTARY_DATABASE_URL: database.url });
    const code = await runCli(args, ctx);
    return { code, out: ctx.stdout(), err: ctx.stderr() };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { maxConnections: 2 });
    await migrateToLatest(db);
    await driveRun(db, runA);
    await driveRun(db, runB);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('restores deleted and edited rows of one run identically, and leaves other runs alone', async () => {
    const before = await projectedRows(db, runA);
    const otherBefore = await projectedRows(db, runB);
    const { count: events } = await db
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('run_id', '=', runA)
      .executeTakeFirstOrThrow();
    expect(before.tasks).toHaveLength(5);

    await sql`update task_instances set state = 'failed', output = '{"forged":true}' where run_id = ${runA} and task_id = 'market=PT/report'`.execute(
      db,
    );
    await sql`delete from task_instances where run_id = ${runA} and task_id = 'market=LU/fetch'`.execute(db);
    await sql`delete from groups where run_id = ${runA} and path = 'market=LU'`.execute(db);
    await sql`update runs set params = '{"x":1}', state = 'failed' where run_id = ${runA}`.execute(db);
    await sql`insert into task_instances (run_id, task_id, stage, state) values (${runA}, 'ghost', 'ghost', 'success')`.execute(
      db,
    );
    expect(await projectedRows(db, runA)).not.toEqual(before);

    const rebuilt = await cli('projections', 'rebuild', '--run', runA);
    expect(rebuilt.err).toBe('');
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.out.split('\n')).toEqual([
      `run ${runA}: rebuilt from ${events} events (success, 2 groups, 5 task instances), restored 7 difference(s):`,
      '  run.state: log says "success", projection says "failed"',
      '  run.params: log says {}, projection says {"x":1}',
      '  group market=LU: the log has it, the projection has no row',
      '  task ghost: in the projection, but the log never created it',
      '  task market=LU/fetch: the log has it, the projection has no row',
      '  task market=PT/report.state: log says "success", projection says "failed"',
      '  task market=PT/report.output: log says {"n":1}, projection says {"forged":true}',
      '1 run(s) rebuilt',
      '',
    ]);
    expect(await projectedRows(db, runA)).toEqual(before);
    expect(await projectedRows(db, runB)).toEqual(otherBefore);
    expect((await cli('audit', 'replay', runA)).code).toBe(0);
  });

  it('rebuilds every run when no run is named, even one whose rows are all gone', async () => {
    const before = await projectedRows(db, runB);
    for (const table of ['runs', 'groups', 'task_instances'] as const)
      await db.deleteFrom(table).where('run_id', '=', runB).execute();
    const rebuilt = await cli('projections', 'rebuild');
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.out).toMatch(
      new RegExp(`^run ${runA}: rebuilt from \\d+ events .*, nothing differed$`, 'm'),
    );
    expect(rebuilt.out).toMatch(/^2 run\(s\) rebuilt\n$/m);
    expect(await projectedRows(db, runB)).toEqual(before);
  });

  it('fails on an unknown run', async () => {
    const result = await cli('projections', 'rebuild', '--run', 'no-such-run');
    expect(result.code).toBe(1);
    expect(result.err).toBe('error: run no-such-run has no events in the log (unknown run id?)\n');
  });
});
