import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  describeBytes,
  maxOutputBytesFrom,
  parseByteSize,
} from './output-limit.js';

describe('TRIBUTARY_MAX_OUTPUT_BYTES', () => {
  it('defaults to 256 KiB and reads bytes or binary units', () => {
    expect(DEFAULT_MAX_OUTPUT_BYTES).toBe(262_144);
    expect(maxOutputBytesFrom({})).toBe(262_144);
    expect(maxOutputBytesFrom({ TRIBUTARY_MAX_OUTPUT_BYTES: '1000' })).toBe(1000);
    expect(maxOutputBytesFrom({ TRIBUTARY_MAX_OUTPUT_BYTES: '64KiB' })).toBe(65_536);
    expect(parseByteSize('2 MiB')).toBe(2 * 1024 * 1024);
    expect(parseByteSize('512k')).toBe(524_288);
  });

  it('names the variable when the value is unusable', () => {
    expect(() => maxOutputBytesFrom({ TRIBUTARY_MAX_OUTPUT_BYTES: 'lots' })).toThrow(ConfigError);
    expect(() => maxOutputBytesFrom({ TRIBUTARY_MAX_OUTPUT_BYTES: '0' })).toThrow(
      'TRIBUTARY_MAX_OUTPUT_BYTES: "0" is not a size in bytes (e.g. 262144, 256KiB, 1MiB)',
    );
    expect(() => maxOutputBytesFrom({}, '--max-output-bytes', '1GB')).toThrow(/^--max-output-bytes: "1GB"/);
  });

  it('describes sizes for error messages', () => {
    expect(describeBytes(262_144)).toBe('262144 bytes (256 KiB)');
    expect(describeBytes(1024 * 1024)).toBe('1048576 bytes (1 MiB)');
    expect(describeBytes(100)).toBe('100 bytes');
  });
});
