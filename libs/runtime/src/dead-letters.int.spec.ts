import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { createDb, migrateToLatest, type Database } from '@tributary/event-store';
import { ensureConsumer, JetStreamConsumerRunner, publish } from '@tributary/messaging';
import {
  createTestDatabase,
  createTestNats,
  eventually,
  type TestDatabase,
  type TestNats,
} from '@tributary/testing';
import { loadConfig } from './config.js';
import { deadLetterRecorder, recordDeadLetter, type DeadLetterRecord } from './dead-letters.js';
import { connectInfrastructure, type Infrastructure } from './infrastructure.js';

interface Row {
  service: string;
  stream: string;
  consumer: string;
  subject: string;
  stream_seq: string;
  deliveries: number;
  reason: string;
  error_type: string | null;
  msg_id: string | null;
  headers: Record<string, string>;
  payload: Buffer | null;
  payload_bytes: number | null;
  published_at: Date | null;
  recorded_at: Date;
}

describe('dead letters (issue #8: terminated, recorded with subject and reason, never blocking)', () => {
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
      'dead-letter-test',
    );
  });

  afterAll(async () => {
    await infra?.close();
    await db?.destroy();
    await nats?.cleanup();
    await database?.drop();
  });

  const rows = async () => (await sql<Row>`select * from dead_letters order by id`.execute(db)).rows;

  it('a runner wired to the recorder terms an undecodable message, stores where it came from and why, and goes on', async () => {
    const stream = infra.streams.TASKS.name;
    const subject = infra.subjects.task('dl-test');
    await ensureConsumer(infra.jsm, stream, {
      durable: 'dl-test',
      filterSubject: subject,
      ackWaitMs: 5_000,
      maxDeliver: 3,
      maxAckPending: 100,
    });
    const logged: string[] = [];
    const recorder = deadLetterRecorder(infra.db, 'test-service', (line) => logged.push(line));
    const handled: string[] = [];
    const runner = new JetStreamConsumerRunner<string>({
      nc: infra.nc,
      stream,
      durable: 'dl-test',
      decode: (msg) => {
        const text = new TextDecoder('utf-8', { fatal: true }).decode(msg.data);
        if (!text.startsWith('ok')) throw new SyntaxError('not an ok message');
        return text;
      },
      handle: (d) => {
        handled.push(d.payload);
      },
      onPoison: recorder.onPoison,
      onError: () => undefined,
    });
    await runner.start();
    try {
      const before = Date.now();
      await publish(infra.js, subject, new Uint8Array([0xff, 0x00, 0xfe]), {
        msgId: 'bad-1',
        headers: { 'x-note': 'hello' },
      });
      await publish(infra.js, subject, new TextEncoder().encode('ok after'), { msgId: 'good-1' });
      await eventually(() => expect(handled).toEqual(['ok after']));
      await eventually(async () => expect(await rows()).toHaveLength(1));
      const [row] = await rows();
      expect(row).toMatchObject({
        service: 'test-service',
        stream,
        consumer: 'dl-test',
        subject,
        stream_seq: '1',
        deliveries: 1,
        reason: expect.stringMatching(/^undecodable payload: /),
        error_type: 'TypeError',
        msg_id: 'bad-1',
        payload_bytes: 3,
      });
      expect([...row!.payload!]).toEqual([0xff, 0x00, 0xfe]);
      expect(row!.headers['Nats-Msg-Id']).toBe('bad-1');
      expect(row!.published_at!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(logged).toEqual([
        expect.stringMatching(
          /^dead letter: .*_TASKS\/dl-test seq 1 on .*task\.dl-test after 1 delivery: undecodable payload/,
        ),
      ]);
      // Terminated: not redelivered, gone from the work queue.
      await eventually(async () =>
        expect((await infra.jsm.consumers.info(stream, 'dl-test')).num_ack_pending).toBe(0),
      );
      expect(runner.stats).toMatchObject({ acked: 1, termed: 1, naked: 0 });
    } finally {
      await runner.stop();
    }
  });

  it('stores text Postgres refuses as U+FFFD, and a repeated record once', async () => {
    const record: DeadLetterRecord = {
      service: 'planner',
      stream: 'S',
      consumer: 'c',
      subject: 'p.result.r\u0000',
      streamSequence: 42,
      deliveries: 2,
      reason: 'bad \u0000 reason \ud800',
      errorType: 'Odd\u0000',
      msgId: null,
      headers: { 'k\u0000': 'v\udc00' },
      payload: new Uint8Array([0]),
      payloadBytes: 1,
      publishedAt: 1_700_000_000_000,
    };
    await recordDeadLetter(db, record);
    await recordDeadLetter(db, record);
    const stored = (await rows()).filter((r) => r.stream === 'S');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      subject: 'p.result.r\ufffd',
      reason: 'bad \ufffd reason \ufffd',
      error_type: 'Odd\ufffd',
      headers: { 'k\ufffd': 'v\ufffd' },
    });
  });
});
