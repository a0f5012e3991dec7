import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from './attempts';
import { canonicalJson, GENESIS_HASH, verifyChain } from './chain-verification';

type Exported = LoggedEvent;

// Known answers computed with libs/event-store's computeEventHash (the hash the planner writes) for
// these two events: the browser's check must agree with it byte for byte.
const FIRST: Exported = {
  seq: 1,
  eventId: '00000000-0000-4000-8000-000000000001',
  runId: '11111111-2222-4333-8444-555555555555',
  runSeq: 1,
  type: 'TaskInstanceCleared',
  taskId: 'market=GR/gate',
  attempt: null,
  payload: {
    type: 'TaskInstanceCleared',
    taskId: 'market=GR/gate',
    actor: 'otto',
    reason: 'gate fixed — try again',
    at: 1796493386339,
    nested: { b: [1, 2.5, null, 'é'], a: true },
  },
  actor: 'otto',
  traceId: '0b3d55cee1ba59f3d48f7825bf0f1afd',
  occurredAt: '2026-12-05T17:56:26.339Z',
  prevHash: GENESIS_HASH,
  hash: 'b9cf324832ac2bc1ba7b16f2eb10199b35e50e41aa7d5c6db200c5f061bd28e2',
};
const SECOND: Exported = {
  ...FIRST,
  eventId: '00000000-0000-4000-8000-000000000002',
  runSeq: 2,
  type: 'RunCompleted',
  taskId: null,
  payload: { type: 'RunCompleted', state: 'success', reason: null },
  prevHash: FIRST.hash,
  hash: '3809b474c5be850df684740d379ee64621e157b1740078c3818c88f557e65dd1',
};

describe('the audit timeline checks the hash chain in the browser', () => {
  it('agrees with the event store on the hashes', async () => {
    expect(await verifyChain([FIRST, SECOND])).toEqual({ ok: true, events: 2, head: SECOND.hash });
  });

  it('finds an edited payload, a missing event and a broken link', async () => {
    const edited = { ...SECOND, payload: { ...SECOND.payload, state: 'failed' } };
    expect(await verifyChain([FIRST, edited])).toMatchObject({
      ok: false,
      runSeq: 2,
      problem: expect.stringMatching(/hash/),
    });
    expect(await verifyChain([SECOND])).toMatchObject({
      ok: false,
      runSeq: 2,
      problem: expect.stringMatching(/missing/),
    });
    const relinked = { ...SECOND, prevHash: GENESIS_HASH };
    expect(await verifyChain([FIRST, relinked])).toMatchObject({
      ok: false,
      runSeq: 2,
      problem: expect.stringMatching(/prev_hash/),
    });
  });

  it('writes canonical JSON: sorted keys, no whitespace, undefined members dropped', () => {
    expect(canonicalJson({ b: 1, a: [true, null, { d: 'x', c: undefined }] })).toBe(
      '{"a":[true,null,{"d":"x"}],"b":1}',
    );
  });
});
