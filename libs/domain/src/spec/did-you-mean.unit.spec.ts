import { describe, it, expect } from 'vitest';
import { didYouMean, editDistance } from './did-you-mean.js';

describe('didYouMean', () => {
  it('measures Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests the closest candidate within the typo budget, and nothing for unrelated words', () => {
    expect(didYouMean('retires', ['retries', 'retryDelay', 'timeout'])).toBe('retries');
    expect(didYouMean('dependOn', ['dependsOn', 'executor'])).toBe('dependsOn');
    expect(didYouMean('evalute', ['generate', 'evaluate'])).toBe('evaluate');
    expect(didYouMean('zzz', ['retries', 'timeout'])).toBeNull();
  });
});
