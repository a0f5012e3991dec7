import { describe, expect, it } from 'vitest';
import { findSecretMarker, isSecretMarker, mapSecretMarkers, redactSecretsForExpressions } from './secret-marker.js';

const envelope = { $secret: { v: 1, kid: 'k', ct: 'c', digest: 'sha256:abc' } };

describe('secret markers', () => {
  it('is an object whose only key is $secret', () => {
    expect(isSecretMarker(envelope)).toBe(true);
    expect(isSecretMarker({ $secret: 'sha256:abc' })).toBe(true);
    expect(isSecretMarker({ $secret: 'x', other: 1 })).toBe(false);
    expect(isSecretMarker(['$secret'])).toBe(false);
    expect(isSecretMarker(null)).toBe(false);
  });
  it('maps markers anywhere and returns the same value when there is none', () => {
    const plain = { a: [1, { b: 'c' }] };
    expect(mapSecretMarkers(plain, () => 'x')).toBe(plain);
    const mixed = { a: [1, envelope], b: { c: envelope }, d: 'keep' };
    expect(mapSecretMarkers(mixed, () => 'x')).toEqual({ a: [1, 'x'], b: { c: 'x' }, d: 'keep' });
    expect(mixed.a[1]).toBe(envelope); // the input is not changed
  });
  it('finds the first marker a client sent', () => {
    expect(findSecretMarker({ a: { 'b/c': [envelope] } }, '/params')).toBe('/params/a/b~1c/0');
    expect(findSecretMarker({ a: 1 })).toBeNull();
  });
  it('shows CEL the redacted form, from the digest the envelope carries', () => {
    expect(redactSecretsForExpressions({ token: envelope, n: 1 })).toEqual({ token: { $secret: 'sha256:abc' }, n: 1 });
  });
});
