import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { computeEventHash, GENESIS_HASH, hashWithCanonicalPayload, type HashedEventFields } from './event-hash.js';
import { canonicalHashedPayload, hashedPayload, secretEnvelopeDigest } from './hashed-payload.js';

const envelope = { v: 1, kid: 'k1', dk: 'ZGs=', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };
const digest = `sha256:${createHash('sha256').update(canonicalJson(envelope)).digest('hex')}`;
const stored = { $secret: { ...envelope, digest } };

const event: HashedEventFields = {
  eventId: '0b6b1b9e-2f58-4f57-9a55-3f4b8b1f8f10',
  runId: 'run-1',
  runSeq: 1,
  type: 'TriggerAccepted',
  taskId: null,
  attempt: null,
  payload: { params: { token: stored, market: 'LU' } },
  actor: 'api',
  traceId: null,
  occurredAt: new Date('2026-11-22T10:00:00.123Z'),
};

describe('hashedPayload', () => {
  it('replaces every envelope by its digest, recomputed from the envelope without its digest member', () => {
    expect(secretEnvelopeDigest(stored.$secret)).toBe(digest);
    expect(hashedPayload({ a: [stored], b: { c: stored }, d: 1 })).toEqual({
      a: [{ $secret: digest }],
      b: { c: { $secret: digest } },
      d: 1,
    });
  });

  it('is idempotent and leaves payloads without secrets untouched (same object)', () => {
    const once = hashedPayload(event.payload);
    expect(hashedPayload(once)).toEqual(once);
    const plain = { params: { market: 'LU' } };
    expect(hashedPayload(plain)).toBe(plain);
  });

  it('ignores a stored digest that lies: the digest is the envelope’s, so a swapped envelope is visible', () => {
    const swapped = { $secret: { ...envelope, ct: 'b3RoZXI=', digest } };
    expect(hashedPayload(swapped)).not.toEqual({ $secret: digest });
  });
});

describe('event hash over secrets', () => {
  it('covers the redacted payload: the stored and the exported (redacted) event hash the same', () => {
    const redacted = { ...event, payload: hashedPayload(event.payload) };
    expect(computeEventHash(GENESIS_HASH, event)).toBe(computeEventHash(GENESIS_HASH, redacted));
    // The append path (canonical text given) agrees with computeEventHash.
    expect(hashWithCanonicalPayload(GENESIS_HASH, event, canonicalJson(event.payload))).toBe(
      computeEventHash(GENESIS_HASH, event),
    );
  });

  it('still changes when the ciphertext is edited', () => {
    const edited = { ...event, payload: { params: { token: { $secret: { ...stored.$secret, ct: 'eA==' } } } } };
    expect(computeEventHash(GENESIS_HASH, edited)).not.toBe(computeEventHash(GENESIS_HASH, event));
  });

  it('takes the fast path for text without a "$secret" key', () => {
    const text = canonicalJson({ a: 1 });
    expect(canonicalHashedPayload(text)).toBe(text);
  });
});
