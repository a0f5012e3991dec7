import { textProblem } from '@tributary/domain';
import { AttemptOutcome } from '@tributary/events';
import { publish } from '@tributary/messaging';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutorService } from './executor.service.js';
import {
  attemptOf,
  eventually,
  ExecutorHarness,
  json,
  runId,
} from './test-fixtures/executor-harness.fixture.js';

/** Handlers that produce what Postgres or NATS cannot carry (issue #8). */
const UNSAFE_HANDLERS = [
  'export const unsafe = {',
  "  name: 'unsafe',",
  '  run: (ctx) => {',
  "    if (ctx.input.mode === 'nul') return { items: ['a', 'b', 'c', 'x\\u0000y'] };",
  "    if (ctx.input.mode === 'surrogate') return { text: 'ok \\ud800' };",
  "    if (ctx.input.mode === 'throw') throw new Error('broken \\u0000 message');",
  "    if (ctx.input.mode === 'logs') {",
  "      ctx.log.info('a NUL \\u0000 in a line', { field: 'v\\u0000', ['k\\udc00']: 1 });",
  "      ctx.log.info('x'.repeat(40000));",
  "      for (let i = 0; i < 200; i++) ctx.log.info('y'.repeat(1000), { i });",
  "      return 'logged';",
  '    }',
  "    if (ctx.input.mode === 'big') return 'z'.repeat(ctx.input.bytes);",
  '    return { items: ctx.input.items };',
  '  },',
  '};',
];

const maxPayloadOf = (h: ExecutorHarness): number => h.nc.info?.max_payload ?? 1024 * 1024;

describe('executor host: results Postgres and NATS can carry (issue #8; NATS + Postgres)', () => {
  let h: ExecutorHarness;

  beforeEach(async () => {
    h = await ExecutorHarness.create();
  });
  afterEach(() => h.cleanup());

  it('fails only the attempt whose output has a NUL or a lone surrogate, naming the path; repairs error texts and log lines', async () => {
    const module = await h.writeModule('unsafe.mjs', UNSAFE_HANDLERS);
    await h.startHost('host-a', { executors: ['unsafe'] }, { TRIBUTARY_HANDLERS: module });
    const run = runId();
    const good1 = attemptOf(run, 'good-1', { items: [1, 2] });
    const nul = attemptOf(run, 'nul', { mode: 'nul' });
    const good2 = attemptOf(run, 'good-2', { items: ['fine'] });
    const surrogate = attemptOf(run, 'surrogate', { mode: 'surrogate' });
    const thrown = attemptOf(run, 'thrown', { mode: 'throw' });
    const logs = attemptOf(run, 'logs', { mode: 'logs' });
    // One dispatch, one result batch for the run: the bad outputs must not take the others down.
    await h.dispatch('unsafe', [good1, nul, good2, surrogate, thrown, logs]);
    const [g1, n, g2, s, t, l] = await h.finals(
      [good1, nul, good2, surrogate, thrown, logs].map((a) => a.attemptId),
    );

    expect(g1!.outcome).toBe(AttemptOutcome.SUCCESS);
    expect(json(g1!.outputJson)).toEqual({ items: [1, 2] });
    expect(g2!.outcome).toBe(AttemptOutcome.SUCCESS);
    expect(n!.outcome).toBe(AttemptOutcome.FATAL);
    expect(n!.error).toMatchObject({
      type: 'OutputError',
      retryable: false,
      message: 'output/items/3: string contains the NUL character (\\u0000) at index 1',
    });
    expect(n!.outputJson.byteLength).toBe(0);
    expect(s!.outcome).toBe(AttemptOutcome.FATAL);
    expect(s!.error).toMatchObject({
      type: 'OutputError',
      message: 'output/text: string contains an unpaired UTF-16 surrogate (\\ud800) at index 3',
    });
    // Free text is kept, repaired.
    expect(t!.outcome).toBe(AttemptOutcome.FAILED);
    expect(t!.error!.message).toBe('broken \ufffd message');
    expect(t!.error!.stack).not.toContain('\u0000');
    expect(l!.outcome).toBe(AttemptOutcome.SUCCESS);
    expect(l!.logs[0]!.message).toBe('a NUL \ufffd in a line');
    expect(json(l!.logs[0]!.fieldsJson)).toEqual({ field: 'v\ufffd', ['k\ufffd']: 1 });
    // A 40 000-byte line is cut at 16 KiB; the log stops at 64 KiB with a note of what was dropped.
    expect(l!.logs[1]!.message).toMatch(/^x+… \[23616 more bytes cut\]$/);
    const logBytes = l!.logs
      .slice(0, -1)
      .reduce((sum, line) => sum + Buffer.byteLength(line.message) + line.fieldsJson.byteLength, 0);
    expect(logBytes).toBeLessThanOrEqual(64 * 1024);
    expect(l!.logs.at(-1)!.message).toMatch(
      /^log truncated: \d+ more line\(s\) \(\d+ bytes\) dropped over the limit of 1000 lines \/ 65536 bytes per attempt$/,
    );
    // Nothing Postgres would refuse left the host.
    for (const result of h.results()) {
      const texts = [result.error?.message, result.error?.type, result.error?.stack, result.host];
      for (const text of [...texts, ...result.logs.map((line) => line.message)])
        expect(textProblem(text ?? '')).toBeNull();
    }
  });

  it('fails an output over TRIBUTARY_MAX_OUTPUT_BYTES (default 256 KiB, or as configured), naming the limit and the variable', async () => {
    const module = await h.writeModule('unsafe.mjs', UNSAFE_HANDLERS);
    await h.startHost('host-a', { executors: ['unsafe'] }, { TRIBUTARY_HANDLERS: module });
    const run = runId();
    const over = attemptOf(run, 'over', { mode: 'big', bytes: 300 * 1024 });
    const under = attemptOf(run, 'under', { mode: 'big', bytes: 200 * 1024 });
    await h.dispatch('unsafe', [over, under]);
    const [o, u] = await h.finals([over.attemptId, under.attemptId]);
    expect(o!.outcome).toBe(AttemptOutcome.FATAL);
    expect(o!.error).toMatchObject({ type: 'OutputTooLargeError', retryable: false });
    expect(o!.error!.message).toBe(
      'handler output is 307202 bytes of JSON, over the limit of 262144 bytes (256 KiB) set by TRIBUTARY_MAX_OUTPUT_BYTES: ' +
        'store large data elsewhere (object storage, a database) and return a reference to it',
    );
    expect(u!.outcome).toBe(AttemptOutcome.SUCCESS);

    // A host started with TRIBUTARY_MAX_OUTPUT_BYTES=10KiB.
    const saved = process.env.TRIBUTARY_MAX_OUTPUT_BYTES;
    process.env.TRIBUTARY_MAX_OUTPUT_BYTES = '10KiB';
    try {
      await h.startHost('host-small', { executors: ['echo'] });
    } finally {
      if (saved === undefined) delete process.env.TRIBUTARY_MAX_OUTPUT_BYTES;
      else process.env.TRIBUTARY_MAX_OUTPUT_BYTES = saved;
    }
    const echo = attemptOf(run, 'echo-big', { value: 'e'.repeat(12 * 1024) });
    await h.dispatch('echo', [echo]);
    const [e] = await h.finals([echo.attemptId]);
    expect(e!.error?.message).toMatch(
      /^handler output is 12290 bytes of JSON, over the limit of 10240 bytes \(10 KiB\) set by TRIBUTARY_MAX_OUTPUT_BYTES/,
    );
  });

  it('splits a result batch by bytes so no message exceeds max_payload, and fails a result that alone cannot fit', async () => {
    const module = await h.writeModule('unsafe.mjs', UNSAFE_HANDLERS);
    // Outputs up to 4 MiB allowed: only the server's max_payload bounds what a message carries.
    const host = await h.startHost(
      'host-a',
      { executors: ['unsafe'], maxOutputBytes: 4 * 1024 * 1024 },
      { TRIBUTARY_HANDLERS: module },
    );
    const maxPayload = maxPayloadOf(h);
    const run = runId();
    // Twelve 200 KiB outputs of one run in one dispatch: 2.4 MiB of results, finished together.
    const wide = Array.from({ length: 12 }, (_, i) =>
      attemptOf(run, `wide-${i}`, { mode: 'big', bytes: 200 * 1024 }),
    );
    await h.dispatch('unsafe', wide);
    const finals = await h.finals(wide.map((a) => a.attemptId));
    expect(finals.every((r) => r.outcome === AttemptOutcome.SUCCESS)).toBe(true);
    const carrying = h.received.filter((r) =>
      r.batch.results.some(
        (x) => x.attemptId.startsWith(`${run}/wide-`) && x.outcome !== AttemptOutcome.STARTED,
      ),
    );
    expect(carrying.length).toBeGreaterThanOrEqual(Math.ceil((12 * 200 * 1024) / maxPayload));
    expect(Math.max(...h.received.map((r) => r.bytes))).toBeLessThanOrEqual(maxPayload);

    const huge = attemptOf(run, 'huge', { mode: 'big', bytes: maxPayload + 1024 });
    await h.dispatch('unsafe', [huge]);
    const [tooLarge] = await h.finals([huge.attemptId]);
    expect(tooLarge!.outcome).toBe(AttemptOutcome.FATAL);
    expect(tooLarge!.error!.type).toBe('ResultTooLargeError');
    expect(tooLarge!.error!.message).toMatch(
      new RegExp(
        `^the result message of this attempt \\(\\d+ bytes with its output and logs\\) cannot be published: it is over the NATS server's max_payload of ${maxPayload} bytes`,
      ),
    );
    const publisher = host.app.get(ExecutorService).results;
    expect(publisher.stats).toMatchObject({ failures: 0, oversize: 1 });
    expect(Math.max(...h.received.map((r) => r.bytes))).toBeLessThanOrEqual(maxPayload);
    await eventually(async () => expect(await h.tasksPending()).toEqual({ stored: 0, ackPending: 0 }));
  });

  it('terminates an undecodable dispatch, records it in dead_letters with subject and reason, and runs the next one', async () => {
    const db = await h.migratedDb();
    await h.startHost('host-a', { executors: ['echo'] });
    // Field 1 (batch_id) claims 5 bytes but the message ends after one: not a DispatchBatch.
    await publish(h.js, h.subjects.task('echo'), new Uint8Array([0x0a, 0x05, 0x61]), { msgId: 'garbage-1' });
    const after = attemptOf(runId(), 'after', { value: 'still here' });
    await h.dispatch('echo', [after]);
    const [result] = await h.finals([after.attemptId]);
    expect(json(result!.outputJson)).toBe('still here');

    const rows = await eventually(async () => {
      const found = (
        await sql<{
          service: string;
          stream: string;
          consumer: string;
          subject: string;
          stream_seq: string;
          deliveries: number;
          reason: string;
          msg_id: string;
          payload: Buffer;
          published_at: Date;
          recorded_at: Date;
        }>`select * from dead_letters`.execute(db)
      ).rows;
      expect(found).toHaveLength(1);
      return found;
    });
    expect(rows[0]).toMatchObject({
      service: 'executor',
      stream: h.streams.TASKS.name,
      consumer: 'executor-echo',
      subject: h.subjects.task('echo'),
      stream_seq: '1',
      deliveries: 1,
      msg_id: 'garbage-1',
      reason: expect.stringMatching(/^undecodable payload: /),
    });
    expect([...rows[0]!.payload]).toEqual([0x0a, 0x05, 0x61]);
    expect(rows[0]!.published_at).toBeInstanceOf(Date);
    // Terminated: not redelivered, the work queue is empty.
    await eventually(async () => expect(await h.tasksPending()).toEqual({ stored: 0, ackPending: 0 }));
  });
});
