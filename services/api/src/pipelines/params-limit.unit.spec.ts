import { ConfigError } from '@tributary/runtime';
import { describe, expect, it } from 'vitest';
import { bodyLimitFor, MAX_BODY_BYTES } from '../http/body.js';
import { paramsLimit } from './params-limit.js';

const MiB = 1024 * 1024;

describe('TRIBUTARY_MAX_PARAMS_BYTES and the body limit that goes with it', () => {
  it('is 512 KiB by default, and what the variable says when NATS carries it', () => {
    expect(paramsLimit(MiB, {})).toEqual({ bytes: 512 * 1024, why: 'set by TRIBUTARY_MAX_PARAMS_BYTES' });
    expect(paramsLimit(8 * MiB, { TRIBUTARY_MAX_PARAMS_BYTES: '6MiB' }).bytes).toBe(6 * MiB);
  });

  it('is never more than max_payload less 256 KiB, and says why', () => {
    expect(paramsLimit(MiB, { TRIBUTARY_MAX_PARAMS_BYTES: '2MiB' })).toEqual({
      bytes: 768 * 1024,
      why: 'TRIBUTARY_MAX_PARAMS_BYTES asks 2097152 bytes (2 MiB), but the NATS server carries messages of at most 1048576 bytes (1 MiB) (max_payload)',
    });
  });

  it('refuses a value that is not a size, naming the variable', () => {
    expect(() => paramsLimit(MiB, { TRIBUTARY_MAX_PARAMS_BYTES: 'lots' })).toThrow(ConfigError);
    expect(() => paramsLimit(MiB, { TRIBUTARY_MAX_PARAMS_BYTES: 'lots' })).toThrow(
      'TRIBUTARY_MAX_PARAMS_BYTES: "lots" is not a size in bytes',
    );
  });

  it('keeps the body limit at 4 MiB unless params may be larger, then params and 64 KiB', () => {
    expect(bodyLimitFor(512 * 1024)).toBe(MAX_BODY_BYTES);
    expect(bodyLimitFor(6 * MiB)).toBe(6 * MiB + 64 * 1024);
  });
});
