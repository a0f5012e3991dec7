import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '@tributary/domain';
import { createDb, migrateToLatest, type Database } from '@tributary/event-store';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { recordingContext } from '../test-support.js';
import { auditHistory, auditReplay, auditVerify } from './audit-actions.js';
import { driveRun } from './drive-run.fixture.js';
import { auditExportRun } from './export-run.js';
import { asOwner } from './tamper.fixture.js';

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

  it('prints the history as a table and exports NDJSON (a header, then the events in run order)', async () => {
    const history = ctx();
    expect(await auditHistory(history, runId, {})).toBe(0);
    expect(history.stdout()).toMatch(/^SEQ +OCCURRED +TYPE +TASK \/ GROUP +TRY +ACTOR +DETAIL\n/);
    expect(history.stdout()).toContain('TriggerAccepted');

    const exported = ctx();
    expect(await auditExportRun(exported, runId, { databaseUrl: database.url })).toBe(0);
    const lines = exported
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { runSeq: number; type: string; format?: string; events?: number });
    expect(lines[0]).toMatchObject({ format: 'tributary-audit-export/1', runId, events: state.eventCount });
    const events = lines.slice(1);
    expect(events.map((e) => e.runSeq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.type).toBe('TriggerAccepted');
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
    await asOwner(db, (trx) =>
      sql`update event_log set actor = 'mallory' where run_id = ${runId} and run_seq = 3`
        .execute(trx)
        .then(() => undefined),
    );
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
