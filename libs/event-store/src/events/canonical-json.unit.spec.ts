import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } };
    expect(canonicalJson(value)).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text for the same value built in another key order', () => {
    expect(canonicalJson({ x: 1, y: { q: 2, p: 3 } })).toBe(canonicalJson({ y: { p: 3, q: 2 }, x: 1 }));
  });

  it('follows JSON.stringify for undefined, functions and toJSON', () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: 1 })).toBe('{"c":1}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(new Date('2026-01-02T03:04:05.006Z'))).toBe('"2026-01-02T03:04:05.006Z"');
  });

  it('escapes keys and strings like JSON', () => {
    expect(canonicalJson({ 'a"b': 'line\nbreak', é: 'ü' })).toBe('{"a\\"b":"line\\nbreak","é":"ü"}');
  });

  it('prints numbers in their shortest round-trip form', () => {
    expect(canonicalJson([1.0, 1e21, 0.1, -0])).toBe('[1,1e+21,0.1,0]');
  });
});
