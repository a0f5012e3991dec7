import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { appendEvents } from './append-events.js';
import { readRunEvents } from './read-run-events.js';

describe('event_log is append-only (migration 013), even for its owner', () => {
  const db = useMigratedDb();

  it('refuses UPDATE, DELETE and TRUNCATE with a precise error, and keeps the rows', async () => {
    const runId = newRunId();
    await appendEvents(db(), { events: [newEvent(runId), newEvent(runId)] });

    await expect(
      sql`update event_log set actor = 'mallory' where run_id = ${runId}`.execute(db()),
    ).rejects.toThrow('event_log is append-only: UPDATE refused (events are never changed or removed)');
    await expect(sql`delete from event_log where run_id = ${runId}`.execute(db())).rejects.toThrow(
      'event_log is append-only: DELETE refused',
    );
    await expect(sql`truncate event_log`.execute(db())).rejects.toMatchObject({
      message: 'event_log is append-only: TRUNCATE refused (events are never changed or removed)',
      code: '42501',
    });

    const events = await readRunEvents(db(), runId);
    expect(events.map((e) => e.actor)).toEqual(['planner', 'planner']);
  });

  it('still takes appends', async () => {
    const runId = newRunId();
    const { appended } = await appendEvents(db(), { events: [newEvent(runId)] });
    expect(appended).toHaveLength(1);
  });
});
