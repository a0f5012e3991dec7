import { textProblem } from '@tributary/domain';
import { describe, expect, it } from 'vitest';
import { runAttempt } from './attempt-runner.js';
import type { HandlerDefinition } from './handler.js';
import { SkipTask } from './task-errors.js';
import { expectFailed, handler } from './test-fixtures/attempt-runner.fixture.js';
import { attemptRequest } from './test-fixtures/handler-context.fixture.js';

describe('runAttempt: output and logs a store and a reader can take', () => {
  it.each([
    ['a BigInt', () => ({ total: 10n }), 'output.total is a BigInt'],
    [
      'a cycle',
      () => {
        const node: Record<string, unknown> = {};
        node['me'] = node;
        return node;
      },
      'output.me is a circular reference',
    ],
  ])('fails without retry on non-JSON output (%s)', async (_label, make, problem) => {
    const outcome = await runAttempt(handler(make as HandlerDefinition['run']), attemptRequest());
    const error = expectFailed(outcome);
    expect(error).toMatchObject({ type: 'OutputError', retryable: false });
    expect(error.message).toContain('not JSON-serialisable');
    expect(error.message).toContain(problem);
  });

  it.each([
    [
      'a NUL character',
      () => ({ items: ['a', 'b', 'c', 'x\u0000y'] }),
      'output/items/3: string contains the NUL character (\\u0000) at index 1',
    ],
    [
      'a lone surrogate',
      () => ({ name: 'ab\ud800' }),
      'output/name: string contains an unpaired UTF-16 surrogate (\\ud800) at index 2',
    ],
    [
      'a NUL in a key',
      () => ({ ['k\u0000']: 1 }),
      'output/k\ufffd: key contains the NUL character (\\u0000) at index 1',
    ],
    [
      'a prototype key',
      () => JSON.parse('{"ok": {"__proto__": 1}}'),
      'output/ok/__proto__: the key "__proto__" is not allowed',
    ],
    [
      '65 levels of nesting',
      () => JSON.parse('['.repeat(65) + ']'.repeat(65)),
      'nested deeper than 64 levels',
    ],
  ])(
    'fails without retry, naming the path, on output Postgres cannot store (%s)',
    async (_label, make, problem) => {
      const outcome = await runAttempt(handler(make as HandlerDefinition['run']), attemptRequest());
      const error = expectFailed(outcome);
      expect(error).toMatchObject({ type: 'OutputError', retryable: false });
      expect(error.message).toContain(problem);
      expect(textProblem(error.message)).toBeNull();
    },
  );

  it('repairs error messages, types, stacks, details, skip reasons and log lines instead of losing them', async () => {
    class OddError extends Error {
      override readonly name = 'Odd\u0000Error';
      readonly details = { body: 'bad\u0000byte', deep: JSON.parse('{"__proto__": 1}') };
    }
    const failed = await runAttempt(
      handler((ctx) => {
        ctx.log.info('line with \u0000 and \udc00', { raw: 'x\u0000', ['k\ud800']: 1 });
        ctx.log.warn('proto fields', JSON.parse('{"__proto__": {"a": 1}}'));
        throw new OddError('message \u0000 here');
      }),
      attemptRequest(),
    );
    const error = expectFailed(failed);
    expect(error.message).toBe('message \ufffd here');
    expect(error.type).toBe('Odd\ufffdError');
    expect(error.stack).not.toContain('\u0000');
    expect(error.details).toEqual({ detailsError: expect.stringContaining('details/deep/__proto__') });
    expect(failed.logs[0]).toMatchObject({
      message: 'line with \ufffd and \ufffd',
      fields: { raw: 'x\ufffd', ['k\ufffd']: 1 },
    });
    expect(failed.logs[1]!.fields).toEqual({
      fieldsError: expect.stringMatching(/^fields\/__proto__: the key "__proto__" is not allowed/),
    });

    const skipped = await runAttempt(
      handler(() => {
        throw new SkipTask('nothing \u0000 to do');
      }),
      attemptRequest(),
    );
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'nothing \ufffd to do' });
  });

  it('captures log lines into the outcome, even when the attempt fails', async () => {
    const outcome = await runAttempt(
      handler((ctx) => {
        ctx.log.info('starting', { market: 'LU' });
        ctx.log.error('giving up');
        throw new Error('nope');
      }),
      attemptRequest(),
      { now: () => 5 },
    );
    expect(outcome.logs).toEqual([
      { at: 5, level: 'info', message: 'starting', fields: { market: 'LU' } },
      { at: 5, level: 'error', message: 'giving up', fields: {} },
    ]);
  });

  it('truncates a chatty attempt with a final "log truncated" line', async () => {
    const outcome = await runAttempt(
      handler((ctx) => {
        for (let i = 0; i < 5_000; i++) ctx.log.debug(`line ${i}`);
        return 'done';
      }),
      attemptRequest(),
    );
    expect(outcome.outcome).toBe('success');
    expect(outcome.logs).toHaveLength(1001);
    expect(outcome.logs.at(-1)).toMatchObject({ level: 'warn', fields: { droppedLines: 4_000 } });
    expect(outcome.logs.at(-1)?.message).toMatch(/^log truncated/);
  });

  it('truncates by bytes at 64 KiB', async () => {
    const outcome = await runAttempt(
      handler((ctx) => {
        for (let i = 0; i < 200; i++) ctx.log.info('y'.repeat(1_000));
      }),
      attemptRequest(),
    );
    const kept = outcome.logs.slice(0, -1);
    expect(kept.reduce((sum, line) => sum + line.message.length, 0)).toBeLessThanOrEqual(64 * 1024);
    expect(kept.length).toBe(65);
    expect(outcome.logs.at(-1)?.message).toBe(
      'log truncated: 135 more line(s) (135000 bytes) dropped over the limit of 1000 lines / 65536 bytes per attempt',
    );
    expect(outcome.logs.at(-1)?.fields).toEqual({
      maxLines: 1000,
      maxBytes: 65536,
      droppedLines: 135,
      droppedBytes: 135_000,
    });
  });
});
