import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { newEvent, newRunId } from '../test-fixtures/new-event.fixture.js';
import { tamperWithEventLog } from '../test-fixtures/tamper-event-log.fixture.js';
import { appendEvents } from './append-events.js';
import { computeEventHash } from './event-hash.js';
import { hashedPayload } from './hashed-payload.js';
import { verifyChain } from './verify-chain.js';

const envelope = (ct: string) => ({ $secret: { v: 1, kid: 'k1', dk: 'ZGs=', iv: 'aXY=', ct, tag: 'dGFn' } });

describe('hash chain over secret envelopes', () => {
  const db = useMigratedDb();

  it('verifies a run whose payloads hold envelopes, and its redacted form hashes the same', async () => {
    const runId = newRunId();
    const { appended } = await appendEvents(db(), {
      events: [
        newEvent(runId, { payload: { params: { token: envelope('Y3Q='), market: 'LU' } } }),
        newEvent(runId, { payload: { i: 2 } }),
      ],
    });
    expect(await verifyChain(db(), runId)).toEqual({ ok: true, count: 2 });
    const first = appended[0]!;
    const redacted = { ...first, payload: hashedPayload(first.payload) };
    expect(JSON.stringify(redacted.payload)).not.toContain('Y3Q=');
    expect(computeEventHash(first.prevHash, redacted)).toBe(first.hash);
  });

  it('detects a ciphertext edited in the row', async () => {
    const runId = newRunId();
    const { appended } = await appendEvents(db(), {
      events: [newEvent(runId, { payload: { params: { token: envelope('Y3Q=') } } })],
    });
    const edited = JSON.stringify({ params: { token: envelope('b3RoZXI=') } });
    await tamperWithEventLog(db(), sql`update event_log set payload = ${edited}::jsonb where seq = ${appended[0]!.seq}`);
    expect(await verifyChain(db(), runId)).toMatchObject({ ok: false, runSeq: 1, reason: 'hash_mismatch' });
  });
});
