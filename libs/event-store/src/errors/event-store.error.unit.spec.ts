import { describe, expect, it } from 'vitest';
import { EventStoreError, isDatabaseError, isRetryableError } from './event-store.error.js';

const pgError = (code: string): Error => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });

describe('EventStoreError', () => {
  it.each(['40001', '40P01', '55P03', '57P01', '08006', '53300', 'ECONNRESET'])(
    'marks %s as retryable',
    (code) => {
      const error = EventStoreError.from(pgError(code), 'append events');
      expect(error).toMatchObject({ name: 'EventStoreError', retryable: true, code });
      expect(error.message).toBe(`append events: pg ${code}`);
    },
  );

  it.each(['23505', '22P02', '42P01'])('marks %s as not retryable', (code) => {
    expect(EventStoreError.from(pgError(code), 'x').retryable).toBe(false);
  });

  it('keeps the cause and does not wrap twice', () => {
    const cause = pgError('40P01');
    const once = EventStoreError.from(cause, 'a');
    expect(once.cause).toBe(cause);
    expect(EventStoreError.from(once, 'b')).toBe(once);
  });

  it('treats a dropped connection as retryable', () => {
    expect(isRetryableError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('tells database errors from a caller’s own exceptions', () => {
    expect(isDatabaseError(pgError('23505'))).toBe(true);
    expect(isDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseError(new TypeError('projector bug'))).toBe(false);
    expect(isDatabaseError('a string')).toBe(false);
  });
});
