import { describe, expect, it } from 'vitest';
import { EventStoreError } from '../errors/event-store.error.js';
import type { OutboxMessage } from '../outbox/outbox-message.js';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { appendEvents, type Projector } from './append-events.js';
import { readRunEvents } from './read-run-events.js';

const message = (msgId: string): OutboxMessage => ({
  msgId,
  subject: `tributary.event.${msgId}`,
  payload: new TextEncoder().encode(`{"id":"${msgId}"}`),
  headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
});

/** A projector like the planner's: one runs row per RunCreated, state per later event. */
const projectRuns: Projector = async (trx, appended) => {
  for (const event of appended) {
    if (event.type === 'RunCreated') {
      await trx
        .insertInto('runs')
        .values({
          run_id: event.runId,
          pipeline_id: 'p',
          pipeline_version: 1,
          state: 'running',
          params: JSON.stringify(event.payload),
        })
        .execute();
    } else {
      await trx
        .updateTable('runs')
        .set({ state: event.type, updated_at: event.occurredAt })
        .where('run_id', '=', event.runId)
        .execute();
    }
  }
};

describe('appendEvents with projection and outbox', () => {
  const db = useMigratedDb();

  const snapshot = async (runId: string, msgIds: string[]) => ({
    events: await readRunEvents(db(), runId),
    head: await db().selectFrom('run_streams').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    run: await db().selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    outbox: await db()
      .selectFrom('outbox')
      .select(['msg_id', 'subject', 'payload', 'headers'])
      .where('msg_id', 'in', msgIds)
      .execute(),
  });

  it('commits events, projection and outbox together', async () => {
    const runId = newRunId();
    const msgId = `${runId}-1`;
    const result = await appendEvents(db(), {
      events: [newEvent(runId, { type: 'RunCreated', payload: { markets: ['LU'] } })],
      outbox: [message(msgId)],
      project: projectRuns,
    });

    const after = await snapshot(runId, [msgId]);
    expect(after.events).toEqual(result.appended);
    expect(after.head).toMatchObject({ last_seq: 1, last_hash: result.appended[0]!.hash });
    expect(after.run).toMatchObject({ state: 'running', params: { markets: ['LU'] } });
    expect(after.outbox).toEqual([
      {
        msg_id: msgId,
        subject: `tributary.event.${msgId}`,
        payload: Buffer.from(`{"id":"${msgId}"}`),
        headers: message(msgId).headers,
      },
    ]);
  });

  it('a throwing projector leaves no events, no outbox rows and no head change', async () => {
    const runId = newRunId();
    await appendEvents(db(), {
      events: [newEvent(runId, { type: 'RunCreated' })],
      outbox: [message(`${runId}-0`)],
      project: projectRuns,
    });
    const before = await snapshot(runId, [`${runId}-0`, `${runId}-1`]);

    const boom = new Error('projector bug');
    const failing: Projector = async (trx, appended) => {
      await projectRuns(trx, appended); // the projection write happens, then must be rolled back
      throw boom;
    };
    const attempt = appendEvents(db(), {
      events: [newEvent(runId, { type: 'RunSucceeded' })],
      outbox: [message(`${runId}-1`)],
      project: failing,
    });

    await expect(attempt).rejects.toBe(boom); // the caller's error, not wrapped
    expect(await snapshot(runId, [`${runId}-0`, `${runId}-1`])).toEqual(before);
  });

  it('a throwing projector on a brand-new run does not even leave a head row', async () => {
    const runId = newRunId();
    const attempt = appendEvents(db(), {
      events: [newEvent(runId, { type: 'RunCreated' })],
      outbox: [message(`${runId}-0`)],
      project: async () => {
        throw new Error('no');
      },
    });
    await expect(attempt).rejects.toThrow('no');
    expect(await snapshot(runId, [`${runId}-0`])).toEqual({
      events: [],
      head: undefined,
      run: undefined,
      outbox: [],
    });
  });

  it('a database error inside the projector rolls back too and comes back as EventStoreError', async () => {
    const runId = newRunId();
    await appendEvents(db(), { events: [newEvent(runId, { type: 'RunCreated' })], project: projectRuns });
    const attempt = appendEvents(db(), {
      events: [newEvent(runId, { type: 'RunCreated' })], // a second runs row with the same key
      outbox: [message(`${runId}-dup`)],
      project: projectRuns,
    });
    await expect(attempt).rejects.toBeInstanceOf(EventStoreError);
    await expect(attempt).rejects.toMatchObject({ code: '23505', retryable: false });
    expect((await snapshot(runId, [`${runId}-dup`])).events).toHaveLength(1);
    expect((await snapshot(runId, [`${runId}-dup`])).outbox).toEqual([]);
  });

  it('writes each outbox message once even when the append is retried', async () => {
    const runId = newRunId();
    const input = { events: [newEvent(runId)], outbox: [message(`${runId}-a`), message(`${runId}-b`)] };
    await appendEvents(db(), input);
    const retry = await appendEvents(db(), input);
    expect(retry.appended).toEqual([]);
    expect((await snapshot(runId, [`${runId}-a`, `${runId}-b`])).outbox).toHaveLength(2);
  });

  it('does not call the projector when every event was a duplicate', async () => {
    const runId = newRunId();
    const events = [newEvent(runId)];
    await appendEvents(db(), { events });
    let calls = 0;
    await appendEvents(db(), {
      events,
      project: async () => {
        calls += 1;
      },
    });
    expect(calls).toBe(0);
  });
});
