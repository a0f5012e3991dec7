import { describe, expect, it } from 'vitest';
import { isUnreachableError } from './unreachable-error.js';

describe('isUnreachableError', () => {
  it.each([
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
    ['unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' })],
    ['pg connect timeout', new Error('timeout expired')],
    ['wrapped socket error', new Error('connection refused', { cause: { code: 'ECONNREFUSED' } })],
  ])('treats %s as nothing answering', (_label, error) => {
    expect(isUnreachableError(error)).toBe(true);
  });

  it.each([
    ['missing database', Object.assign(new Error('database "x" does not exist'), { code: '3D000' })],
    ['bad password', Object.assign(new Error('password authentication failed'), { code: '28P01' })],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('does not treat %s as unreachable', (_label, error) => {
    expect(isUnreachableError(error)).toBe(false);
  });
});
