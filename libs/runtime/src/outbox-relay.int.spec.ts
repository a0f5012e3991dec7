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
});
