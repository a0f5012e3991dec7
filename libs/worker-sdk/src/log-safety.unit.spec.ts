import { describe, expect, it } from 'vitest';
import { cutText, limitLogLines, safeLogFields, type TaskLogLine } from './log-safety.js';

const line = (message: string, fields: TaskLogLine['fields'] = {}): TaskLogLine => ({
  at: 1,
  level: 'info',
  message,
  fields,
});

describe('log safety', () => {
  it('cuts text on a character boundary and says how much was cut', () => {
    expect(cutText('short', 10)).toBe('short');
    expect(cutText('ab€cd', 4)).toBe('ab… [5 more bytes cut]');
    expect(cutText('😀😀', 5)).toBe('😀… [4 more bytes cut]');
  });

  it('makes fields storable or says why they are not', () => {
    expect(safeLogFields({ a: 'x\u0000' })).toEqual({ a: 'x\ufffd' });
    expect(safeLogFields(['list'])).toEqual({ value: ['list'] });
    expect(safeLogFields(JSON.parse('{"constructor": 1}'))).toEqual({
      fieldsError:
        'fields/constructor: the key "constructor" is not allowed (it reaches the object prototype) (fields dropped)',
    });
  });

  it('caps lines gathered from several tries as one attempt log, sanitized, with one truncation line', () => {
    const tries = [
      ...Array.from({ length: 40 }, (_, i) => line(`try 1 line ${i} ${'x'.repeat(1000)}`)),
      line('bad \u0000 line'),
      ...Array.from({ length: 40 }, (_, i) => line(`try 2 line ${i} ${'y'.repeat(1000)}`)),
    ];
    const capped = limitLogLines(tries, { maxBytes: 64 * 1024 });
    const kept = capped.slice(0, -1);
    expect(kept.reduce((sum, l) => sum + Buffer.byteLength(l.message), 0)).toBeLessThanOrEqual(64 * 1024);
    expect(kept.find((l) => l.message.startsWith('bad'))?.message).toBe('bad \ufffd line');
    expect(capped.at(-1)!.message).toMatch(
      /^log truncated: \d+ more line\(s\) \(\d+ bytes\) dropped over the limit of 1000 lines \/ 65536 bytes per attempt$/,
    );
    expect(kept.length + (capped.at(-1)!.fields['droppedLines'] as number)).toBe(81);
    expect(limitLogLines([line('fine')])).toEqual([line('fine')]);
  });
});
