import { describe, expect, it } from 'vitest';
import { mergeStreamSubjects, subjectCovers, subjectsOverlap } from './upstream-subjects.js';

describe('subjectCovers', () => {
  it.each([
    ['a.b', 'a.b', true],
    ['a.*', 'a.b', true],
    ['a.>', 'a.b.c', true],
    ['a.>', 'a.*.c', true],
    ['a.>', 'a', false],
    ['a.*', 'a.b.c', false],
    ['a.*', 'a.>', false],
    ['a.b', 'a.*', false],
    ['>', 'x.y', true],
  ])('%s covers %s: %s', (general, specific, expected) => {
    expect(subjectCovers(general, specific)).toBe(expected);
  });
});

describe('subjectsOverlap', () => {
  it.each([
    ['a.*', '*.b', true],
    ['a.b', 'a.c', false],
    ['tributary.>', 'tributary.trigger.x', true],
    ['catalog.updated', 'tributary.>', false],
    ['a', 'a.>', false],
    ['a.b.c', 'a.b', false],
  ])('%s / %s: %s', (a, b, expected) => {
    expect(subjectsOverlap(a, b)).toBe(expected);
  });
});

describe('mergeStreamSubjects', () => {
  it('adds what is missing and never drops what the stream captures', () => {
    expect(mergeStreamSubjects(['a.b'], ['c.d'])).toEqual(['a.b', 'c.d']);
    expect(mergeStreamSubjects(['a.b', 'c.d'], ['a.b'])).toBeNull();
  });

  it('adds nothing for a subject an existing wildcard covers, and folds subjects a new wildcard covers', () => {
    expect(mergeStreamSubjects(['a.>'], ['a.b.c'])).toBeNull();
    expect(mergeStreamSubjects(['a.b', 'a.c', 'x'], ['a.*'])).toEqual(['x', 'a.*']);
  });

  it('keeps the list free of duplicates within one call', () => {
    expect(mergeStreamSubjects([], ['a.b', 'a.b', 'a.*'])).toEqual(['a.*']);
  });
});
