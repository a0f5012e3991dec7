import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_BACKOFF_MS, redeliveryDelayMs } from './redelivery-backoff.js';

describe('redeliveryDelayMs', () => {
  it('follows the backoff steps by delivery count, then repeats the last one', () => {
    const steps = [100, 200, 400];
    expect([1, 2, 3, 4, 10].map((n) => redeliveryDelayMs(n, steps))).toEqual([100, 200, 400, 400, 400]);
  });

  it('uses 1 s, 5 s, 30 s, 2 min by default', () => {
    expect(DEFAULT_RETRY_BACKOFF_MS).toEqual([1_000, 5_000, 30_000, 120_000]);
    expect(redeliveryDelayMs(1)).toBe(1_000);
  });

  it('does not delay the last allowed delivery, so the server gives up at once', () => {
    expect(redeliveryDelayMs(2, [100, 200], 3)).toBe(200);
    expect(redeliveryDelayMs(3, [100, 200], 3)).toBe(0);
    expect(redeliveryDelayMs(3, [100, 200], -1)).toBe(200);
  });

  it('naks immediately with an empty backoff', () => {
    expect(redeliveryDelayMs(1, [])).toBe(0);
  });
});
