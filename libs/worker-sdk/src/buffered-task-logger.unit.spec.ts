import { describe, expect, it } from 'vitest';
import { BufferedTaskLogger } from './buffered-task-logger.js';
import type { TaskLogLine } from './log-safety.js';
import type { Json } from './handler.js';

describe('BufferedTaskLogger', () => {
  it('captures lines with time, level, message and fields', () => {
    let t = 1000;
    const logger = new BufferedTaskLogger({ now: () => t++ });
    logger.info('fetched', { count: 3 });
    logger.warn('slow');
    logger.debug('d');
    logger.error('e', { code: 'X' });
    expect(logger.close()).toEqual([
      { at: 1000, level: 'info', message: 'fetched', fields: { count: 3 } },
      { at: 1001, level: 'warn', message: 'slow', fields: {} },
      { at: 1002, level: 'debug', message: 'd', fields: {} },
      { at: 1003, level: 'error', message: 'e', fields: { code: 'X' } },
    ]);
  });

  it('caps the line count and ends with a truncation line counting what was dropped', () => {
    const logger = new BufferedTaskLogger({ maxLines: 3, now: () => 0 });
    for (let i = 0; i < 10; i++) logger.info(`line ${i}`);
    const lines = logger.close();
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((line) => line.message)).toEqual(['line 0', 'line 1', 'line 2']);
    expect(lines[3]).toMatchObject({ level: 'warn', fields: { droppedLines: 7, maxLines: 3 } });
    expect(lines[3]?.message).toMatch(/^log truncated/);
  });

  it('caps the bytes', () => {
    const logger = new BufferedTaskLogger({ maxBytes: 1024, now: () => 0 });
    for (let i = 0; i < 100; i++) logger.info('x'.repeat(100));
    const lines = logger.close();
    const kept = lines.slice(0, -1);
    expect(kept).toHaveLength(10); // 10 × 100 bytes fit in 1024, the 11th does not
    expect(lines.at(-1)?.fields['droppedLines']).toBe(90);
    expect(lines.at(-1)?.fields['droppedBytes']).toBe(9_000);
    expect(lines.at(-1)?.message).toBe(
      'log truncated: 90 more line(s) (9000 bytes) dropped over the limit of 1000 lines / 1024 bytes per attempt',
    );
  });

  it('cuts one huge line to 16 KiB instead of losing it and everything after it', () => {
    const logger = new BufferedTaskLogger({ now: () => 0 });
    logger.info('é'.repeat(100_000));
    logger.info('after', { big: 'z'.repeat(20_000) });
    logger.info('still kept');
    const lines = logger.close();
    expect(lines).toHaveLength(3);
    expect(Buffer.byteLength(lines[0]!.message)).toBeLessThanOrEqual(16 * 1024 + 64);
    expect(lines[0]!.message).toMatch(/^é+… \[183616 more bytes cut\]$/);
    expect(lines[1]!.fields).toEqual({
      fieldsError: 'fields of 20010 bytes dropped (over the 16384-byte limit of a line)',
    });
    expect(lines[2]!.message).toBe('still kept');
  });

  it('stores NUL and lone surrogates as U+FFFD, and unstorable fields as a note', () => {
    const logger = new BufferedTaskLogger({ now: () => 0 });
    logger.info('a\u0000b\ud83d', { v: '\u0000', nested: { list: ['\udfff'] } });
    logger.info('deep', JSON.parse('{"a":'.repeat(70) + '1' + '}'.repeat(70)));
    const lines = logger.close();
    expect(lines[0]).toMatchObject({
      message: 'a\ufffdb\ufffd',
      fields: { v: '\ufffd', nested: { list: ['\ufffd'] } },
    });
    expect(lines[1]!.fields['fieldsError']).toMatch(/nested deeper than 64 levels/);
  });

  it('never throws on odd input and ignores lines after close', () => {
    const logger = new BufferedTaskLogger({ now: () => 0 });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    logger.info('cyclic', cyclic as Record<string, Json>);
    logger.info('big', { n: 1n } as unknown as Record<string, Json>);
    const lines = logger.close();
    logger.info('late');
    expect(lines).toHaveLength(2);
    expect(lines[0]?.fields['fieldsError']).toContain('circular');
    expect(lines[1]?.fields['fieldsError']).toContain('BigInt');
    expect(logger.snapshot()).toHaveLength(2);
  });

  it('forwards kept lines and survives a throwing forwarder', () => {
    const seen: TaskLogLine[] = [];
    const logger = new BufferedTaskLogger({
      now: () => 0,
      onLine: (line) => {
        seen.push(line);
        throw new Error('forwarder down');
      },
    });
    logger.info('a');
    expect(seen.map((line) => line.message)).toEqual(['a']);
    expect(logger.close()).toHaveLength(1);
  });
});
