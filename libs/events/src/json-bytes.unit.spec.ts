import { describe, expect, it } from 'vitest';
import { DecodeError } from './decode-error.js';
import { jsonFromBytes, jsonToBytes } from './json-bytes.js';

describe('json bytes', () => {
  it('round-trips JSON values, with undefined as empty bytes', () => {
    for (const value of [null, 0, 1.5, 'ü ✓', [1, 'a', null], { a: { b: [true] } }]) {
      expect(jsonFromBytes(jsonToBytes(value))).toEqual({ ok: true, value });
    }
    expect(jsonToBytes(undefined).byteLength).toBe(0);
    expect(jsonFromBytes(new Uint8Array(0))).toEqual({ ok: true, value: undefined });
    expect(new TextDecoder().decode(jsonToBytes(null))).toBe('null');
  });

  it('refuses values JSON cannot represent', () => {
    expect(() => jsonToBytes(1n)).toThrow(TypeError);
    expect(() => jsonToBytes(() => 1)).toThrow('Value of type function cannot be serialised as JSON');
  });

  it('returns ok:false for invalid JSON and invalid UTF-8', () => {
    for (const bytes of [new TextEncoder().encode('{nope'), new Uint8Array([0x22, 0xff, 0x22])]) {
      const result = jsonFromBytes(bytes);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toBeInstanceOf(DecodeError);
      expect(!result.ok && result.error.message).toMatch(/^Cannot decode json from \d+ bytes: ./);
    }
  });
});
