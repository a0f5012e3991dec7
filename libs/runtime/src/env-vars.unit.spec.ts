import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { durationVar, wholeNumberVar } from './env-vars.js';

describe('wholeNumberVar', () => {
  it('falls back when unset or blank and reads whole numbers at or above the minimum', () => {
    expect(wholeNumberVar({}, 'N', 7)).toBe(7);
    expect(wholeNumberVar({ N: ' ' }, 'N', 7)).toBe(7);
    expect(wholeNumberVar({ N: '12' }, 'N', 7)).toBe(12);
    expect(wholeNumberVar({ N: '0' }, 'N', 7, 0)).toBe(0);
  });

  it.each(['0', '-1', '1.5', '1e3', 'lots', '99999999999999999999'])(
    'refuses %j naming the variable',
    (value) => {
      expect(() => wholeNumberVar({ N: value }, 'N', 7)).toThrow(
        new ConfigError(`N: expected a whole number ≥ 1, got "${value}"`),
      );
    },
  );
});

describe('durationVar', () => {
  it('reads durations and falls back when unset', () => {
    expect(durationVar({}, 'D', 500)).toBe(500);
    expect(durationVar({ D: '1m30s' }, 'D', 500)).toBe(90_000);
  });

  it('refuses what does not parse and what is below the minimum, naming the variable', () => {
    expect(() => durationVar({ D: 'soon' }, 'D', 500)).toThrow(/^D: /);
    expect(() => durationVar({ D: '0ms' }, 'D', 500, { minMs: 1 })).toThrow(
      'D: must be more than 0, got "0ms"',
    );
    expect(() => durationVar({ D: '500ms' }, 'D', 500, { minMs: 1000 })).toThrow(
      'D: must be at least 1s, got "500ms"',
    );
  });
});
