import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createDb, enqueueOutbox, migrateToLatest, type Database } from '@tributary/event-store';
import {
  createTestDatabase,
  createTestNats,
  readStream,
  type TestDatabase,
  type TestNats,
} from '@tributary/testing';
import { loadConfig } from './config.js';
import { connectInfrastructure, type Infrastructure } from './infrastructure.js';
import { OutboxRelay } from './outbox-relay.js';

describe('outbox relay (invariant 3: publish after commit, never lose)', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let db: Kysely<Database>;
  let infra: Infrastructure;

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    db = createDb(database.url);
    await migrateToLatest(db);
    infra = await connectInfrastructure(
      loadConfig({}, { databaseUrl: database.url, natsUrl: nats.url, subjectPrefix: nats.prefix }),
      'relay-test',
    );
  });

  afterAll(async () => {
    await infra?.close();
    await db?.destroy();
    await nats?.cleanup();
    await database?.drop();
  });

  it('the sweep publishes rows a crashed writer left behind, once per message id, and marks them published', async () => {
    const subject = infra.subjects.event('run-x', 'RunCompleted');
    const message = (i: number) => ({
      msgId: `m-${i}`,
      subject,
      payload: new TextEncoder().encode(`payload ${i}`),
      headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    });
    // A transaction committed these rows, then the process died before publishing them.
    await enqueueOutbox(db, [message(1), message(2), message(3)]);
    const relay = new OutboxRelay(db, infra.js);
    await relay.sweep();
    // A restarted writer publishes the same rows again (it cannot know they went out): JetStream dedupes.
    await relay.publishCommitted([message(2), message(3)]);
    await relay.sweep();
    const stored = await readStream(infra.nc, infra.jsm, infra.streams.EVENTS.name, subject);
    expect(stored.map((m) => new TextDecoder().decode(m.data))).toEqual([
      'payload 1',
      'payload 2',
      'payload 3',
    ]);
    expect(stored.every((m) => m.headers.traceparent?.startsWith('00-aaaa'))).toBe(true);
    const unpublished = await db
      .selectFrom('outbox')
      .select('msg_id')
      .where('published_at', 'is', null)
      .execute();
    expect(unpublished).toEqual([]);
  });

  it('a row larger than the server takes is given up, said, and never holds back the rows behind it', async () => {
    const subject = infra.subjects.event('run-big', 'RunCompleted');
    const maxPayload = infra.nc.info!.max_payload;
    await enqueueOutbox(db, [
      { msgId: 'too-big', subject, payload: new Uint8Array(maxPayload + 1) },
      { msgId: 'behind', subject, payload: new TextEncoder().encode('behind') },
    ]);
    const errors: string[] = [];
    const relay = new OutboxRelay(db, infra.js, { batch: 1, onError: (e) => errors.push(String(e)) });
    await relay.sweep();
    const stored = await readStream(infra.nc, infra.jsm, infra.streams.EVENTS.name, subject);
    expect(stored.map((m) => new TextDecoder().decode(m.data))).toEqual(['behind']);
    expect(errors).toEqual([
      expect.stringMatching(/outbox row \d+ \(.*run-big.*\) given up, the server refuses it: .*max_payload/),
    ]);
    const unpublished = await db
      .selectFrom('outbox')
      .select('msg_id')
      .where('published_at', 'is', null)
      .execute();
    expect(unpublished).toEqual([]);
  });

  it('a sweep prunes published rows past their retention, at most once per interval, never unpublished ones', async () => {
    const subject = infra.subjects.event('run-y', 'RunCompleted');
    const message = (msgId: string) => ({ msgId, subject, payload: new TextEncoder().encode(msgId) });
    await enqueueOutbox(db, [message('old-1'), message('old-2'), message('fresh')]);
    let now = Date.now();
    const relay = new OutboxRelay(db, infra.js, {
      retainPublishedMs: 60_000,
      pruneEveryMs: 30_000,
      now: () => now,
    });
    await relay.sweep(); // publishes all three; nothing is old enough to prune yet
    const rows = () =>
      db
        .selectFrom('outbox')
        .select('msg_id')
        .where('msg_id', 'in', ['old-1', 'old-2', 'fresh', 'late'])
        .orderBy('id')
        .execute();
    expect((await rows()).map((r) => r.msg_id)).toEqual(['old-1', 'old-2', 'fresh']);
    await db
      .updateTable('outbox')
      .set({ published_at: new Date(now - 120_000) })
      .where('msg_id', 'in', ['old-1', 'old-2'])
      .execute();
    await relay.sweep(); // within the prune interval: nothing is pruned yet
    expect((await rows()).map((r) => r.msg_id)).toEqual(['old-1', 'old-2', 'fresh']);
    // A row a writer committed but nobody published yet, however old: never pruned.
    await enqueueOutbox(db, [message('late')]);
    await db
      .updateTable('outbox')
      .set({ created_at: new Date(now - 600_000) })
      .where('msg_id', '=', 'late')
      .execute();
    now += 30_000;
    await relay.sweep();
    expect((await rows()).map((r) => r.msg_id)).toEqual(['fresh', 'late']);
    const late = await db
      .selectFrom('outbox')
      .select('published_at')
      .where('msg_id', '=', 'late')
      .executeTakeFirstOrThrow();
    expect(late.published_at).toBeInstanceOf(Date); // the same sweep published it first
  });
});
