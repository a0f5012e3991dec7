import { describe, expect, it } from 'vitest';
import { executorOptionsFrom } from './executor.options.js';

describe('executorOptionsFrom', () => {
  it('reads --executors and --concurrency, in both spellings, over the environment', () => {
    expect(executorOptionsFrom(['--executors', 'echo, sleep,echo', '--concurrency', '8'])).toEqual({
      executors: ['echo', 'sleep'],
      concurrency: 8,
    });
    expect(
      executorOptionsFrom(['--executors=noop', '--concurrency=3'], {
        TRIBUTARY_EXECUTORS: 'echo',
        TRIBUTARY_CONCURRENCY: '9',
      }),
    ).toEqual({ executors: ['noop'], concurrency: 3 });
  });

  it('falls back to TRIBUTARY_EXECUTORS / TRIBUTARY_CONCURRENCY, then to the defaults', () => {
    expect(executorOptionsFrom([], { TRIBUTARY_EXECUTORS: 'a,b', TRIBUTARY_CONCURRENCY: '16' })).toEqual({
      executors: ['a', 'b'],
      concurrency: 16,
    });
    expect(executorOptionsFrom([], {})).toEqual({});
  });

  it('refuses unusable values, naming the flag or variable', () => {
    expect(() => executorOptionsFrom(['--concurrency', '0'], {})).toThrow(
      '--concurrency: "0" is not a positive integer',
    );
    expect(() => executorOptionsFrom([], { TRIBUTARY_CONCURRENCY: 'many' })).toThrow(
      'TRIBUTARY_CONCURRENCY: "many" is not a positive integer',
    );
    expect(() => executorOptionsFrom(['--executors', ' , '], {})).toThrow(
      '--executors: no executor name given',
    );
    expect(() => executorOptionsFrom(['--executors'], {})).toThrow('--executors needs a value');
  });

  it('reads the output limit from --max-output-bytes or TRIBUTARY_MAX_OUTPUT_BYTES, naming the source of a bad value', () => {
    expect(
      executorOptionsFrom(['--max-output-bytes', '64KiB'], { TRIBUTARY_MAX_OUTPUT_BYTES: '1MiB' }),
    ).toEqual({ maxOutputBytes: 65_536 });
    expect(executorOptionsFrom([], { TRIBUTARY_MAX_OUTPUT_BYTES: '1MiB' })).toEqual({
      maxOutputBytes: 1_048_576,
    });
    expect(() => executorOptionsFrom([], { TRIBUTARY_MAX_OUTPUT_BYTES: 'big' })).toThrow(
      'TRIBUTARY_MAX_OUTPUT_BYTES: "big" is not a size in bytes (e.g. 262144, 256KiB, 1MiB)',
    );
    expect(() => executorOptionsFrom(['--max-output-bytes=0'], {})).toThrow(
      /^--max-output-bytes: "0" is not a size in bytes/,
    );
  });
});
