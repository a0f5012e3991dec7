import { describe, expect, it } from 'vitest';
import { createTestPrefix } from './test-nats.js';

describe('createTestPrefix', () => {
  it('is t_ and 8 hex digits, a valid subject token and stream-name start', () => {
    expect(createTestPrefix()).toMatch(/^t_[0-9a-f]{8}$/);
  });

  it('does not repeat over many calls', () => {
    const prefixes = new Set(Array.from({ length: 1000 }, () => createTestPrefix()));
    expect(prefixes.size).toBe(1000);
  });
});
