import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  affectedBy,
  compilePlan,
  decide,
  initialRunState,
  parsePipelineSpec,
  taskIdOfEvent,
  attemptOfEvent,
  type RunCommand,
  type RunState,
} from '@tributary/domain';
import {
  appendEvents,
  createDb,
  migrateToLatest,
  savePipelineVersion,
  writeRunProjection,
  type Database,
} from '@tributary/event-store';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { recordingContext } from '../test-support.js';
import { auditExport, auditHistory, auditReplay, auditVerify } from './audit-actions.js';

const SPEC = `
id: audit-test
stages:
  - group: market
    over: [LU, PT]
    stages:
      - id: fetch
        executor: noop
      - id: report
        executor: echo
consolidate:
  executor: noop
`;

/** Drives a run the way the planner does: decide, then append the events with their projection in one transaction. */
async function driveRun(db: Kysely<Database>, runId: string): Promise<RunState> {
  const parsed = parsePipelineSpec(SPEC, 'yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const { pipeline } = await savePipelineVersion(db, { spec: parsed.spec, source: SPEC, createdBy: 'test' });
  const state = initialRunState(compilePlan(pipeline.spec));
  let now = Date.parse('2024-06-11T10:00:00.000Z');
  const apply = async (command: RunCommand) => {
    now += 10;
    const { events } = decide(state, command, { now, random: () => 0.5 });
    if (events.length === 0) return;
    await appendEvents(db, {
      events: events.map((event) => ({
        eventId: randomUUID(),
        runId,
        type: event.type,
        taskId: taskIdOfEvent(event),
        attempt: attemptOfEvent(event),
        payload: event,
        actor: 'test',
        occurredAt: new Date(event.at),
      })),
      project: (trx) => writeRunProjection(trx, state, affectedBy(state, events)),
    });
  };
  await apply({
    type: 'StartRun',
    runId,
    pipelineId: 'audit-test',
    version: pipeline.version,
    params: {},
    idempotencyKey: null,
    actor: 'test',
    consolidationVia: 'planner',
  });
  for (let round = 0; round < 20 && state.run.status === 'running'; round += 1) {
    const scheduled = [...state.tasks.values()].filter((t) => t.state === 'scheduled').map((t) => t.taskId);
    if (scheduled.length > 0) await apply({ type: 'DispatchTasks', runId, taskIds: scheduled });
    for (const task of [...state.tasks.values()].filter((t) => t.state === 'queued')) {
      await apply({
        type: 'RecordTaskStarted',
        runId,
        taskId: task.taskId,
        attempt: task.attempt,
        host: 'test',
      });
      await apply({
        type: 'RecordTaskResult',
        runId,
        taskId: task.taskId,
        attempt: task.attempt,
        outcome: 'success',
        output: { n: round },
      });
    }
  }
  expect(state.run.status).toBe('success');
  return state;
}

describe('audit verify / replay / history / export (Postgres)', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let runId: string;
  let state: RunState;
  const ctx = () => recordingContext({ TRIBUTARY_DATABASE_URL: database.url });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { maxConnections: 2 });
    await migrateToLatest(db);
    runId = randomUUID();
    state = await driveRun(db, runId);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('verifies an untouched chain and replays to the projection exactly', async () => {
    const verify = ctx();
    expect(await auditVerify(verify, runId, {})).toBe(0);
    expect(verify.stdout()).toMatch(
      new RegExp(`^chain ok: ${state.eventCount} events of run ${runId} verify, head matches\\n$`),
    );

    const replay = ctx();
    expect(await auditReplay(replay, runId, {})).toBe(0);
    expect(replay.stdout()).toBe(
      `replay ok: ${state.eventCount} events fold to the projected state (run success, 2 groups, ${state.tasks.size} task instances)\n`,
    );
  });

  it('prints the history as a table and exports JSON lines in run order', async () => {
    const history = ctx();
    expect(await auditHistory(history, runId, {})).toBe(0);
    expect(history.stdout()).toMatch(/^SEQ +OCCURRED +TYPE +TASK \/ GROUP +TRY +ACTOR +DETAIL\n/);
    expect(history.stdout()).toContain('TriggerAccepted');

    const exported = ctx();
    expect(await auditExport(exported, runId, {})).toBe(0);
    const lines = exported
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { runSeq: number; type: string });
    expect(lines.map((e) => e.runSeq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines[0]!.type).toBe('TriggerAccepted');
  });

  it('finds a projection that no longer matches the log (exit 1), naming record, field and both values', async () => {
    await sql`update task_instances set state = 'failed' where run_id = ${runId} and task_id = 'market=PT/report'`.execute(
      db,
    );
    await sql`delete from groups where run_id = ${runId} and path = 'market=LU'`.execute(db);
    try {
      const replay = ctx();
      expect(await auditReplay(replay, runId, {})).toBe(1);
      expect(replay.stdout().split('\n')).toEqual([
        `replay differs: 2 difference(s) between the log (${state.eventCount} events) and the projections`,
        '  group market=LU: the log has it, the projection has no row',
        '  task market=PT/report.state: log says "success", projection says "failed"',
        '',
      ]);
    } finally {
      await sql`update task_instances set state = 'success' where run_id = ${runId} and task_id = 'market=PT/report'`.execute(
        db,
      );
      await sql`insert into groups (run_id, path, block, key, parent_path, state, value) values (${runId}, 'market=LU', 'market', 'LU', null, 'success', '"LU"'::jsonb)`.execute(
        db,
      );
    }
    expect(await auditReplay(ctx(), runId, {})).toBe(0);
  });

  it('names the edited row of a broken chain (exit 1)', async () => {
    // As an owner would: past the append-only triggers (migration 013), which refuse the update otherwise.
    await db.transaction().execute(async (trx) => {
      await sql`alter table event_log disable trigger user`.execute(trx);
      await sql`update event_log set actor = 'mallory' where run_id = ${runId} and run_seq = 3`.execute(trx);
      await sql`alter table event_log enable trigger user`.execute(trx);
    });
    const verify = ctx();
    expect(await auditVerify(verify, runId, {})).toBe(1);
    expect(verify.stdout()).toMatch(
      /^chain BROKEN at run_seq 3 \(seq \d+, event [0-9a-f-]{36}\): hash_mismatch\n/,
    );
  });

  it('fails on an unknown run', async () => {
    const verify = ctx();
    expect(await auditVerify(verify, 'no-such-run', {})).toBe(1);
    expect(verify.stdout()).toBe('run no-such-run has no events in the log (unknown run id?)\n');
    expect(await auditReplay(ctx(), 'no-such-run', {})).toBe(1);
  });
});
