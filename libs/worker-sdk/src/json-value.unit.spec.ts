import { describe, expect, it } from 'vitest';
import { JsonValueError, toJsonValue } from './json-value.js';

describe('toJsonValue', () => {
  it('copies plain JSON values', () => {
    const value = { a: [1, 'x', true, null], b: { c: 2.5 } };
    const copy = toJsonValue(value);
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
  });

  it('follows JSON.stringify for undefined, toJSON and shared references', () => {
    const shared = { n: 1 };
    const when = new Date('2026-01-02T03:04:05.000Z');
    expect(toJsonValue({ gone: undefined, list: [undefined], when, x: shared, y: shared })).toEqual({
      list: [null],
      when: '2026-01-02T03:04:05.000Z',
      x: { n: 1 },
      y: { n: 1 },
    });
    expect(toJsonValue(undefined)).toBeNull();
  });

  it.each([
    [{ count: 10n }, 'output.count is a BigInt'],
    [{ a: [1, Number.NaN] }, 'output.a[1] is NaN'],
    [{ 'odd key': Infinity }, 'output["odd key"] is Infinity'],
    [{ fn: () => 1 }, 'output.fn is a function'],
    [{ m: new Map([[1, 2]]) }, 'output.m is a Map'],
    [{ s: new Set([1]) }, 'output.s is a Set'],
    [{ p: Promise.resolve(1) }, 'output.p is a Promise (missing await?)'],
    [Symbol('x'), 'output is a symbol'],
  ])('names the path of %o', (value, message) => {
    expect(() => toJsonValue(value, 'output')).toThrow(JsonValueError);
    expect(() => toJsonValue(value, 'output')).toThrow(message);
  });

  it('detects cycles', () => {
    const node: Record<string, unknown> = { name: 'a' };
    node['self'] = { back: node };
    expect(() => toJsonValue(node, 'output')).toThrow('output.self.back is a circular reference');
  });

  it('refuses nesting deeper than 64 levels, and keeps a __proto__ key as an own key', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = { a: value };
      return value;
    };
    expect(() => toJsonValue(nest(64), 'output')).not.toThrow();
    expect(() => toJsonValue(nest(65), 'output')).toThrow(/^output(\.a){64} is nested deeper than 64 levels/);
    expect(() => toJsonValue(nest(100_000), 'output')).toThrow(JsonValueError);
    const copy = toJsonValue(JSON.parse('{"__proto__": {"polluted": true}}'), 'output') as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__']);
  });
});
