import { describe, expect, it } from 'vitest';
import { batchId, dispatchBatchId, resultBatchId } from './batch-id.js';

const ids = Array.from({ length: 50 }, (_, i) => `run-1/market=LU/retrieve[${i}]#1`);

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('batch ids', () => {
  it('is "<kind>-" followed by 64 hex digits', () => {
    expect(batchId('dispatch', ids)).toMatch(/^dispatch-[0-9a-f]{64}$/);
    expect(batchId('result', ids)).toMatch(/^result-[0-9a-f]{64}$/);
  });

  it('is stable regardless of order', () => {
    const expected = batchId('dispatch', ids);
    for (const seed of [1, 2, 3, 42]) expect(batchId('dispatch', shuffled(ids, seed))).toBe(expected);
    expect(batchId('dispatch', [...ids].reverse())).toBe(expected);
  });

  it('derives dispatch and result ids from attempt ids', () => {
    const attempts = ids.map((attemptId) => ({ attemptId }));
    expect(dispatchBatchId(shuffled(attempts, 7))).toBe(batchId('dispatch', ids));
    expect(resultBatchId(attempts)).toBe(batchId('result', ids));
  });

  it('differs when the content differs, including ambiguous concatenations', () => {
    expect(batchId('dispatch', ['a', 'b'])).not.toBe(batchId('dispatch', ['a']));
    expect(batchId('dispatch', ['ab', 'c'])).not.toBe(batchId('dispatch', ['a', 'bc']));
    expect(batchId('dispatch', ['a,b'])).not.toBe(batchId('dispatch', ['a', 'b']));
    expect(batchId('dispatch', ['a'])).not.toBe(batchId('dispatch', ['a', 'a']));
  });

  it('is a known value (the derivation is part of the protocol)', () => {
    // sha256('["r/a#1","r/b#1"]')
    expect(batchId('result', ['r/b#1', 'r/a#1'])).toBe('result-e3f5df65c86bd99e3e966c5ba6fcc7e0f4b9e861192c897a94c5d5e621381c5d');
  });
});
