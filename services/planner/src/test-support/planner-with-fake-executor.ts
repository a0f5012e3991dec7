/**
 * The planner in-process on its own database and NATS prefix, with the pipelines below saved and a fake
 * executor answering every dispatch, for the planner's int specs. A spec file calls
 * `beforeAll(startPlannerWithFakeExecutor, 60_000)` and `afterAll(stopPlannerWithFakeExecutor)`; the handles
 * are exported bindings, set when the planner started (ES modules export them live).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { parsePipelineSpec } from '@tributary/domain';
import { createDb, migrateToLatest, savePipelineVersion, type Database } from '@tributary/event-store';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@tributary/testing';
import { loadConfig, type RunningService } from '@tributary/runtime';
import type { Kysely } from 'kysely';
import { startPlanner } from '../planner.js';
import { fakeExecutor } from './fake-executor.js';

const SPEC = `
id: fanout
stages:
  - id: prepare
    executor: fake
  - group: shard
    over: upstream.prepare
    stages:
      - { id: a, executor: fake }
      - { id: b, executor: fake, map: '[1, 2, 3]' }
      - { id: c, executor: fake }
`;

const RETRYING = `
id: retrying
defaults: { retries: 1, retryDelay: 1500ms }
stages:
  - { id: flaky, executor: fake }
`;

const WIDE = `
id: wide
stages:
  - { id: only, executor: fake }
`;

const SERIAL = `
id: serial
limits: { maxActiveRuns: 1 }
stages:
  - { id: only, executor: fake }
`;

let database: TestDatabase;
export let nats: TestNats;
export let db: Kysely<Database>;
export let nc: NatsConnection;
export let planner: RunningService;
/** Task ids the fake executor fails; a spec clears it to let a cleared instance succeed. */
export const failures = new Set<string>(['shard=2/b[1]']);

export async function startPlannerWithFakeExecutor(): Promise<void> {
  database = await createTestDatabase();
  nats = await createTestNats();
  db = createDb(database.url);
  await migrateToLatest(db);
  for (const source of [SPEC, SERIAL, RETRYING, WIDE]) {
    const parsed = parsePipelineSpec(source);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    await savePipelineVersion(db, { spec: parsed.spec, source, createdBy: 'test' });
  }
  planner = await startPlanner(
    loadConfig(
      {},
      {
        databaseUrl: database.url,
        natsUrl: nats.url,
        subjectPrefix: nats.prefix,
        plannerAdoptEveryMs: 300,
      },
    ),
  );
  nc = await connect({ servers: nats.url });
  await fakeExecutor(nc, nats.prefix, (taskId, attempt, runId) => {
    if (runId === 'run-output-nul') return { ok: true, output: { items: ['x', 'a\u0000b'] } };
    if (runId === 'run-host-nul') return { ok: true, output: 1, host: 'te\u0000st' };
    if (failures.has(taskId)) return { ok: false };
    if (taskId === 'flaky' && attempt === 1) return { ok: false };
    return { ok: true, output: taskId === 'prepare' ? [1, 2] : taskId };
  });
}

export async function stopPlannerWithFakeExecutor(): Promise<void> {
  await nc?.close();
  await planner?.stop();
  await db?.destroy();
  await nats?.cleanup();
  await database?.drop();
}

export const runState = async (runId: string) =>
  (await db.selectFrom('runs').select('state').where('run_id', '=', runId).executeTakeFirst())?.state;
export const waitForState = async (runId: string, states: string[]) => {
  for (let i = 0; i < 300; i++) {
    const state = await runState(runId);
    if (state && states.includes(state)) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} stayed ${await runState(runId)}`);
};
