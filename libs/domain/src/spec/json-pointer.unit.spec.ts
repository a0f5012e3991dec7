import { describe, it, expect } from 'vitest';
import { compareJsonPointers, fromJsonPointer, toJsonPointer } from './json-pointer.js';

describe('JSON pointers', () => {
  it('escapes "~" and "/" and round-trips', () => {
    const pointer = toJsonPointer(['with', 'a/b', 'c~d', 0]);
    expect(pointer).toBe('/with/a~1b/c~0d/0');
    expect(fromJsonPointer(pointer)).toEqual(['with', 'a/b', 'c~d', '0']);
    expect(toJsonPointer([])).toBe('');
  });

  it('orders numeric segments as numbers and parents before children', () => {
    const sorted = ['/stages/10', '/stages/2/map', '/stages/2', '', '/limits'].sort(compareJsonPointers);
    expect(sorted).toEqual(['', '/limits', '/stages/2', '/stages/2/map', '/stages/10']);
  });
});
