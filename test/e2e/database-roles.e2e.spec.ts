import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '@tributary/domain';
import { createDb, GRANTED_SERVICES, verifyChain, type Database } from '@tributary/event-store';
import { createTestDatabase, createTestRoles, type TestDatabase, type TestRoles } from '@tributary/testing';
import { CLI, ROOT, TributarySystem, type ServiceKind } from '../support/tributary-system.js';

const run = promisify(execFile);
const DEMO = readFileSync(`${ROOT}examples/search-quality/pipeline.yaml`, 'utf8');

describe('every service runs as its own least-privilege database role', () => {
  let database: TestDatabase;
  let roles: TestRoles;
  let system: TributarySystem;
  let planner: Kysely<Database>;

  beforeAll(async () => {
    database = await createTestDatabase();
    roles = await createTestRoles(database.url, GRANTED_SERVICES);
    // As the owner, the way an operator deploys: migrate, then grant each service's role its rights.
    const grants = GRANTED_SERVICES.flatMap((service) => ['--grant', `${service}=${roles.names[service]}`]);
    const migrate = await run(process.execPath, [CLI, 'migrate', ...grants], {
      env: { ...process.env, TRIBUTARY_DATABASE_URL: database.url },
    });
    expect(migrate.stdout).toContain(`granted planner's rights to role ${roles.names.planner}`);
    const serviceEnv: Partial<Record<ServiceKind, Record<string, string>>> = {};
    for (const service of GRANTED_SERVICES)
      serviceEnv[service] = { TRIBUTARY_DATABASE_URL: roles.urlFor(service) };
    system = await TributarySystem.start({
      databaseUrl: database.url,
      serviceEnv,
      executorHosts: [
        { name: 'host-retrieval', executors: ['generate-queries', 'search', 'judge'] },
        { name: 'host-reporting', executors: ['ner-diff', 'report'] },
      ],
      startTimeoutMs: 90_000, // seven processes on two shared cores
    });
    await system.applyPipeline(DEMO);
    planner = createDb(roles.urlFor('planner'), { maxConnections: 1 });
  }, 180_000);

  afterAll(async () => {
    await planner?.destroy();
    await system?.stop();
    await database?.drop();
    await roles?.drop();
  }, 60_000);

  it('completes the demo run (groups, maps, fan-in, consolidation) with no permission error anywhere', async () => {
    const trigger = await system.api.post('/pipelines/search-quality/runs', {
      params: { markets: ['LU', 'PT'] },
    });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(202);
    const view: RunView = await system.waitForRun(trigger.body.runId, 90_000);
    expect(view.run.state, system.logs()).toBe('success');
    expect(view.tasks.find((t) => t.taskId === 'consolidate')?.state).toBe('success');
    expect(await verifyChain(system.db, view.run.id)).toMatchObject({ ok: true });
    // An operator action through the api and the planner; the group reopens, the fan-in fires round 2.
    const clear = await system.api.post(`/runs/${view.run.id}/clear`, {
      taskIds: ['market=LU/report'],
      reason: 'again',
    });
    expect(clear.status, JSON.stringify(clear.body)).toBe(200);
    const again: RunView = await system
      .waitForRun(
        view.run.id,
        60_000,
        (v: RunView) =>
          v.tasks.some((t) => t.taskId === 'market=LU/report' && t.attempt === 2 && t.state === 'success') &&
          v.run.state === 'success',
      )
      .catch((error: Error) => {
        throw new Error(`${error.message}\n${system.logs()}`);
      });
    expect(again.tasks.find((t) => t.taskId === 'consolidate')?.state).toBe('success');
    const rounds = await system.db
      .selectFrom('event_log')
      .select('payload')
      .where('run_id', '=', view.run.id)
      .where('type', '=', 'ConsolidationTriggered')
      .orderBy('run_seq')
      .execute();
    expect(rounds.map((r) => (r.payload as { round: number }).round)).toEqual([1, 2]);
    expect(system.logs()).not.toMatch(/permission denied/i);
  }, 150_000);

  it("refuses the planner's role UPDATE and DELETE on event_log (grants), and the owner too (trigger)", async () => {
    const [{ run_id: runId }] = (
      await sql<{ run_id: string }>`select run_id from runs limit 1`.execute(system.db)
    ).rows as [{ run_id: string }];
    await expect(
      sql`update event_log set actor = 'mallory' where run_id = ${runId}`.execute(planner),
    ).rejects.toThrow('permission denied for table event_log');
    await expect(sql`delete from event_log where run_id = ${runId}`.execute(planner)).rejects.toThrow(
      'permission denied for table event_log',
    );
    await expect(sql`delete from event_log where run_id = ${runId}`.execute(system.db)).rejects.toThrow(
      'event_log is append-only: DELETE refused',
    );
    expect(await verifyChain(system.db, runId)).toMatchObject({ ok: true });
  });
});
