import { describe, expect, it } from 'vitest';
import { compareRunIds } from './lock-run-streams.js';

describe('compareRunIds', () => {
  it('orders by UTF-8 bytes, like COLLATE "C"', () => {
    expect(['b', 'B', 'a', '_', 'A'].sort(compareRunIds)).toEqual(['A', 'B', '_', 'a', 'b']);
  });

  it('puts astral characters after the BMP private use area, unlike UTF-16 order', () => {
    const astral = '\u{1F600}';
    const privateUse = '\uE000';
    expect([astral, privateUse].sort()).toEqual([astral, privateUse]);
    expect([astral, privateUse].sort(compareRunIds)).toEqual([privateUse, astral]);
  });
});
