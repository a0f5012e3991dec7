import { describe, expect, it } from 'vitest';
import { retryDelayMs, type RetryDelayInput } from './retry-delay.js';

const never = (): number => {
  throw new Error('random must not be called without jitter');
};

function input(partial: Partial<RetryDelayInput>): RetryDelayInput {
  return {
    attempt: 1,
    retryDelayMs: 1000,
    retryBackoff: 'fixed',
    maxRetryDelayMs: null,
    retryJitter: 0,
    random: never,
    ...partial,
  };
}

describe('retryDelayMs', () => {
  it.each([
    ['fixed, attempt 1', input({ attempt: 1 }), 1000],
    ['fixed, attempt 5', input({ attempt: 5 }), 1000],
    ['fixed, zero delay', input({ retryDelayMs: 0, attempt: 3 }), 0],
    ['exponential, attempt 1', input({ retryBackoff: 'exponential', attempt: 1 }), 1000],
    ['exponential, attempt 2', input({ retryBackoff: 'exponential', attempt: 2 }), 2000],
    ['exponential, attempt 3', input({ retryBackoff: 'exponential', attempt: 3 }), 4000],
    ['exponential, attempt 4', input({ retryBackoff: 'exponential', attempt: 4 }), 8000],
    ['exponential capped', input({ retryBackoff: 'exponential', attempt: 4, maxRetryDelayMs: 5000 }), 5000],
    [
      'exponential far past the cap',
      input({ retryBackoff: 'exponential', attempt: 2000, maxRetryDelayMs: 60_000 }),
      60_000,
    ],
    [
      'exponential below the cap',
      input({ retryBackoff: 'exponential', attempt: 2, maxRetryDelayMs: 5000 }),
      2000,
    ],
    ['fixed above the cap', input({ retryDelayMs: 90_000, maxRetryDelayMs: 60_000 }), 60_000],
  ])('given %s, then the delay is %s ms', (_why, given, expected) => {
    expect(retryDelayMs(given)).toBe(expected);
  });

  describe('jitter', () => {
    // given 4 s (exponential attempt 3) and jitter 0.5: the delay spreads over [2 s, 6 s)
    it.each([
      [0, 2000],
      [0.5, 4000],
      [0.999, 5996],
    ])('given random() = %s, then the delay is %s ms', (random, expected) => {
      const given = input({
        retryBackoff: 'exponential',
        attempt: 3,
        retryJitter: 0.5,
        random: () => random,
      });
      expect(retryDelayMs(given)).toBe(expected);
    });

    it.each([
      [0, 0],
      [0.5, 1000],
      [0.999, 1998],
    ])('given full jitter and random() = %s, then the delay is %s ms (never below 0)', (random, expected) => {
      const given = input({ retryJitter: 1, random: () => random });
      expect(retryDelayMs(given)).toBe(expected);
    });

    it.each([
      [0, 3000],
      [0.5, 5000],
      [0.999, 5000],
    ])(
      'given a delay at the cap and random() = %s, then it is %s ms (never above the cap)',
      (random, expected) => {
        const given = input({
          retryBackoff: 'exponential',
          attempt: 10,
          maxRetryDelayMs: 5000,
          retryJitter: 0.4,
          random: () => random,
        });
        expect(retryDelayMs(given)).toBe(expected);
      },
    );
  });

  it.each([
    ['attempt 0', input({ attempt: 0 })],
    ['fractional attempt', input({ attempt: 1.5 })],
    ['negative delay', input({ retryDelayMs: -1 })],
    ['negative cap', input({ maxRetryDelayMs: -1 })],
    ['jitter above 1', input({ retryJitter: 1.5 })],
    ['negative jitter', input({ retryJitter: -0.1 })],
  ])('given %s, then it throws', (_why, given) => {
    expect(() => retryDelayMs(given)).toThrow(RangeError);
  });
});
