import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeEventHash, GENESIS_HASH, type HashedEventFields } from './event-hash.js';

const event: HashedEventFields = {
  eventId: '0b6b1b9e-2f58-4f57-9a55-3f4b8b1f8f10',
  runId: 'run-1',
  runSeq: 1,
  type: 'RunCreated',
  taskId: null,
  attempt: null,
  payload: { params: { markets: ['LU', 'PT'] }, pipeline: 'search-quality' },
  actor: 'api',
  traceId: null,
  occurredAt: new Date('2026-11-22T10:00:00.123Z'),
};

describe('computeEventHash', () => {
  it('hashes prev_hash followed by the canonical JSON of the row', () => {
    const body =
      '{"actor":"api","attempt":null,"event_id":"0b6b1b9e-2f58-4f57-9a55-3f4b8b1f8f10",' +
      '"occurred_at":"2026-11-22T10:00:00.123Z","payload":{"params":{"markets":["LU","PT"]},"pipeline":"search-quality"},' +
      '"run_id":"run-1","run_seq":1,"task_id":null,"trace_id":null,"type":"RunCreated"}';
    const expected = createHash('sha256')
      .update(GENESIS_HASH + body)
      .digest('hex');
    expect(computeEventHash(GENESIS_HASH, event)).toBe(expected);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });

  it('does not depend on the key order of the payload', () => {
    const reordered = {
      ...event,
      payload: { pipeline: 'search-quality', params: { markets: ['LU', 'PT'] } },
    };
    expect(computeEventHash(GENESIS_HASH, reordered)).toBe(computeEventHash(GENESIS_HASH, event));
  });

  it.each<[string, Partial<HashedEventFields>]>([
    ['payload', { payload: { params: { markets: ['LU'] }, pipeline: 'search-quality' } }],
    ['run_seq', { runSeq: 2 }],
    ['occurred_at', { occurredAt: new Date('2026-11-22T10:00:00.124Z') }],
    ['actor', { actor: 'mallory' }],
    ['attempt', { attempt: 0 }],
  ])('changes when %s changes', (_field, change) => {
    expect(computeEventHash(GENESIS_HASH, { ...event, ...change })).not.toBe(
      computeEventHash(GENESIS_HASH, event),
    );
  });

  it('chains: the same event after another predecessor hashes differently', () => {
    expect(computeEventHash('a'.repeat(64), event)).not.toBe(computeEventHash(GENESIS_HASH, event));
  });
});
