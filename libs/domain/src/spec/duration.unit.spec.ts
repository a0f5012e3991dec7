import { describe, it, expect } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
    ['1s500ms', 1_500],
    ['0s', 0],
    [0, 0],
    [1500, 1500],
  ])('given %j, then it is %d ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, ms });
  });

  it.each(['', '5x', '1.5s', '-1s', ' 2s', '2 s', '30m1h', '1m1m', 'ms', '2S', '1d'])(
    'given the string %j, then it is refused with a hint',
    (input) => {
      const result = parseDuration(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toContain(`invalid duration "${input}"`);
    },
  );

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, null, true, [], {}])(
    'given %j, then it is refused',
    (input) => {
      expect(parseDuration(input).ok).toBe(false);
    },
  );
});
