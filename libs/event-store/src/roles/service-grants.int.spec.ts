import { createTestRoles, useTestDatabase, type TestRoles } from '@tributary/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/create-db.js';
import type { Database } from '../db/database.js';
import { appendEvents } from '../events/append-events.js';
import { migrateToLatest } from '../migrations/migrate-to-latest.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { applyServiceGrants } from './apply-grants.js';
import { GRANTED_SERVICES, OWNER_ONLY_TABLES, SERVICE_GRANTS } from './service-grants.js';

describe('service roles (`tributary migrate --grant`) get least privilege', () => {
  const database = useTestDatabase();
  let owner: Kysely<Database>;
  let roles: TestRoles;
  const as: Partial<Record<string, Kysely<Database>>> = {};
  const role = (service: string): Kysely<Database> =>
    (as[service] ??= createDb(roles.urlFor(service), { maxConnections: 1 }));

  beforeAll(async () => {
    owner = createDb(database().url, { maxConnections: 2 });
    await migrateToLatest(owner);
    roles = await createTestRoles(database().url, GRANTED_SERVICES);
    await applyServiceGrants(
      owner,
      GRANTED_SERVICES.map((service) => ({ service, role: roles.names[service]! })),
    );
  });
  afterAll(async () => {
    for (const db of Object.values(as)) await db?.destroy();
    await owner?.destroy();
    await roles?.drop();
  });

  it('names every table of the schema: granted to some service, or owner-only (decide for each new table)', async () => {
    const tables = await sql<{ name: string }>`
      select table_name as name from information_schema.tables where table_schema = 'public' order by 1`.execute(
      owner,
    );
    const granted = new Set([
      ...Object.values(SERVICE_GRANTS).flatMap((grants) => Object.keys(grants)),
      ...OWNER_ONLY_TABLES,
    ]);
    expect(
      tables.rows.map((row) => row.name).filter((name) => !granted.has(name)),
      'tables no service is granted: add each to SERVICE_GRANTS (the services that use it) or OWNER_ONLY_TABLES ' +
        'in libs/event-store/src/roles/service-grants.ts, then regenerate deploy/postgres/roles.sql',
    ).toEqual([]);
    const existing = new Set(tables.rows.map((row) => row.name));
    expect([...granted].filter((name) => !existing.has(name))).toEqual([]);
  });

  it('lets the planner append to event_log but refuses UPDATE, DELETE and TRUNCATE (permission, before the trigger)', async () => {
    const runId = newRunId();
    const { appended } = await appendEvents(role('planner'), { events: [newEvent(runId)] });
    expect(appended).toHaveLength(1);
    for (const statement of [
      sql`update event_log set actor = 'mallory' where run_id = ${runId}`,
      sql`delete from event_log where run_id = ${runId}`,
      sql`truncate event_log`,
    ]) {
      await expect(statement.execute(role('planner'))).rejects.toMatchObject({
        code: '42501',
        message: 'permission denied for table event_log',
      });
    }
    // The owner passes the grants and meets the trigger (migration 013).
    await expect(sql`delete from event_log where run_id = ${runId}`.execute(owner)).rejects.toThrow(
      'event_log is append-only: DELETE refused',
    );
    expect(
      await sql`select count(*)::int as n from event_log where run_id = ${runId}`.execute(owner),
    ).toMatchObject({
      rows: [{ n: 1 }],
    });
  });

  it("keeps each service to its own tables: no other service's projections, no schema changes", async () => {
    const denied = async (service: string, statement: ReturnType<typeof sql>) =>
      expect(statement.execute(role(service))).rejects.toMatchObject({ code: '42501' });
    await denied('executor', sql`select * from runs`);
    await denied('executor', sql`insert into event_log (event_id) values (gen_random_uuid())`);
    await denied(
      'api',
      sql`insert into runs (run_id, pipeline_id, pipeline_version, state, params) values ('r', 'p', 1, 'success', '{}')`,
    );
    await denied('api', sql`delete from pipelines`);
    await denied('fan-in', sql`update runs set state = 'success'`);
    await denied('consolidator', sql`insert into fan_in_runs (run_id, blocks_total) values ('r', 1)`);
    await denied('planner', sql`select * from api_tokens`);
    await denied('planner', sql`create table sneaky (id int)`);
    await denied('planner', sql`drop trigger event_log_append_only on event_log`);
    await expect(sql`select count(*) from runs`.execute(role('api'))).resolves.toBeDefined();
  });

  it('takes away, on a re-run, rights granted by hand since', async () => {
    await sql.raw(`grant update on event_log to ${roles.names.planner}`).execute(owner);
    await applyServiceGrants(owner, [{ service: 'planner', role: roles.names.planner! }]);
    await expect(
      sql`update event_log set actor = actor where false`.execute(role('planner')),
    ).rejects.toMatchObject({
      code: '42501',
    });
  });
});
