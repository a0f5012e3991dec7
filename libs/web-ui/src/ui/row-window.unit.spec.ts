import { describe, expect, it } from 'vitest';
import { rowWindowOf } from './row-window';

describe('rowWindowOf', () => {
  it('draws the rows in view and the overscan around them, and keeps the space of the others', () => {
    // 10 000 rows of 34 px, scrolled to row 100 (3 400 px), 340 px tall: rows 100–109 in view.
    expect(rowWindowOf(3400, 340, 10_000, 34, 12)).toEqual({
      start: 88,
      end: 122,
      before: 88 * 34,
      after: (10_000 - 122) * 34,
    });
  });

  it('stays inside the list at its ends and for short lists', () => {
    expect(rowWindowOf(0, 500, 10_000, 34, 12)).toEqual({ start: 0, end: 27, before: 0, after: 9973 * 34 });
    expect(rowWindowOf(0, 500, 5, 34, 12)).toEqual({ start: 0, end: 5, before: 0, after: 0 });
    expect(rowWindowOf(340_000, 500, 10_000, 34, 12)).toEqual({
      start: 9988,
      end: 10_000,
      before: 9988 * 34,
      after: 0,
    });
    expect(rowWindowOf(0, 0, 0, 34, 12)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
  });
});
