import { afterAll, beforeAll } from 'vitest';
import { createTestNats, type CreateTestNatsOptions, type TestNats } from './test-nats.js';

/**
 * Registers vitest hooks: a unique prefix before the file's tests, its streams
 * deleted after them. The returned getter throws when used outside tests/hooks.
 */
export function useTestNats(options?: CreateTestNatsOptions): () => TestNats {
  let nats: TestNats | undefined;
  beforeAll(async () => {
    nats = await createTestNats(options);
  });
  afterAll(async () => {
    await nats?.cleanup();
  });
  return () => {
    if (nats === undefined) throw new Error('useTestNats(): the server exists only inside tests and hooks');
    return nats;
  };
}
