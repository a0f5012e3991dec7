import { describe, expect, it } from 'vitest';
import { runIdForTrigger, uuidFromKey } from './run-ids.js';

describe('run ids', () => {
  it('derives the same run id from the same pipeline and idempotency key, and different ones otherwise', () => {
    const a = runIdForTrigger({ pipelineId: 'p', idempotencyKey: 'k1' });
    expect(a).toBe(runIdForTrigger({ pipelineId: 'p', idempotencyKey: 'k1' }));
    expect(a).not.toBe(runIdForTrigger({ pipelineId: 'q', idempotencyKey: 'k1' }));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('keeps a chosen run id and makes a random one without a key', () => {
    expect(runIdForTrigger({ runId: 'r-1', pipelineId: 'p', idempotencyKey: 'k' })).toBe('r-1');
    expect(runIdForTrigger({ pipelineId: 'p' })).not.toBe(runIdForTrigger({ pipelineId: 'p' }));
    expect(uuidFromKey('x')).toHaveLength(36);
  });
});
