import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { AttemptOutcome } from '@tributary/events';
import { waitForConsumerIdle } from '@tributary/testing';
import { publish } from '@tributary/messaging';
import { CONSOLIDATOR_DURABLE } from './consolidator.consumers.js';
import { RecordedRun } from '@tributary/run-fixtures';
import {
  db,
  output,
  pipeline,
  results,
  service,
  startConsolidatorUnderTest,
  stopConsolidatorUnderTest,
  trigger,
} from './test-fixtures/consolidator-under-test.js';

describe('consolidator service (Postgres + NATS JetStream, no planner): failing consolidations', () => {
  beforeAll(startConsolidatorUnderTest);
  afterAll(stopConsolidatorUnderTest);

  it("retries in-process per the stage's retries and backoff, honours its timeout, and reports the final outcome", async () => {
    const flaky = await RecordedRun.start(
      db,
      pipeline(
        'cons-flaky',
        '  executor: flaky\n  triggerRule: all_done\n  retries: 2\n  retryDelay: 20ms\n  with: { failures: 1 }',
      ),
      { markets: ['LU'] },
    );
    await flaky.drive();
    await trigger(flaky.runId, 1);
    const recovered = (await results(flaky.runId)).result!;
    expect(recovered.outcome).toBe(AttemptOutcome.SUCCESS);
    expect(output(recovered)).toBe(2); // flaky returns ctx.attempt: the second in-process try
    expect(recovered.attempt).toBe(1); // …recorded as the consolidation's one attempt of this round
    // The handler's own line of its failed try, then the consolidator's retry line.
    expect(recovered.logs.map((l) => l.message)).toEqual([
      'attempt 1: failing on purpose (the first 1 attempts fail)',
      expect.stringMatching(
        /^try 1 of 3 failed \(Error: flaky: failing attempt 1 of the first 1\); retrying in 20 ms$/,
      ),
    ]);

    const failing = await RecordedRun.start(
      db,
      pipeline(
        'cons-fail',
        '  executor: fail\n  triggerRule: all_done\n  retries: 1\n  retryDelay: 10ms\n  with: { message: nope }',
      ),
      { markets: ['LU'] },
    );
    await failing.drive();
    await trigger(failing.runId, 1);
    const exhausted = (await results(failing.runId)).result!;
    expect(exhausted.outcome).toBe(AttemptOutcome.FAILED);
    expect(exhausted.error).toMatchObject({ message: 'nope', retryable: true });
    expect(exhausted.logs.filter((l) => l.message.startsWith('try '))).toHaveLength(1);

    const slow = await RecordedRun.start(
      db,
      pipeline(
        'cons-slow',
        '  executor: sleep\n  triggerRule: all_done\n  timeout: 150ms\n  with: { ms: 10000 }',
      ),
      { markets: ['LU'] },
    );
    await slow.drive();
    const before = Date.now();
    await trigger(slow.runId, 1);
    const timedOut = (await results(slow.runId)).result!;
    expect(Date.now() - before).toBeLessThan(5_000);
    expect(timedOut.outcome).toBe(AttemptOutcome.FAILED);
    expect(timedOut.error).toMatchObject({ type: 'TimeoutError', message: 'attempt timed out after 150 ms' });
  });

  it('retries a consolidation whose handler this host lacks per its retries/retryDelay, then fails with the error recorded', async () => {
    const run = await RecordedRun.start(
      db,
      pipeline(
        'cons-unknown',
        '  executor: not-here\n  triggerRule: all_done\n  retries: 2\n  retryDelay: 150ms',
      ),
      {
        markets: ['LU'],
      },
    );
    await run.drive();
    const before = Date.now();
    await trigger(run.runId, 1);
    const { result } = await results(run.runId);
    expect(Date.now() - before).toBeGreaterThanOrEqual(300); // two waits of 150 ms between three tries
    expect(result).toMatchObject({
      outcome: AttemptOutcome.FAILED,
      executor: 'not-here',
      consolidationRound: 1,
      attempt: 1,
    });
    expect(result!.error).toMatchObject({ type: 'HandlerNotFound', retryable: true });
    expect(result!.error!.message).toBe(
      'no handler for executor "not-here" on consolidator host consolidator-test; known: big-output, echo, fail, flaky, ' +
        'gather, http, list, noop, nul-output, skip, sleep. Add the module that defines it to TRIBUTARY_HANDLERS of the consolidator',
    );
    expect(result!.logs.map((l) => [l.level, l.message])).toEqual([
      [
        'warn',
        expect.stringMatching(
          /^try 1 of 3 failed \(HandlerNotFound: no handler for executor "not-here" .*\); retrying in 150 ms$/,
        ),
      ],
      ['warn', expect.stringMatching(/^try 2 of 3 failed \(HandlerNotFound: .*\); retrying in 150 ms$/)],
    ]);
  });

  it('fails a consolidation whose output has a NUL (OutputError, naming the path) or is over TRIBUTARY_MAX_OUTPUT_BYTES; repairs its log lines', async () => {
    const nul = await RecordedRun.start(
      db,
      pipeline(
        'cons-nul',
        '  executor: nul-output\n  triggerRule: all_done\n  retries: 3\n  retryDelay: 10ms',
      ),
      { markets: ['LU'] },
    );
    await nul.drive();
    await trigger(nul.runId, 1);
    const refused = (await results(nul.runId)).result!;
    expect(refused.outcome).toBe(AttemptOutcome.FATAL); // not retried: the same output fails the same way
    expect(refused.error).toMatchObject({
      type: 'OutputError',
      retryable: false,
      message: 'output/report/1: string contains the NUL character (\\u0000) at index 1',
    });
    expect(refused.outputJson.byteLength).toBe(0);
    expect(refused.logs.map((l) => l.message)).toEqual(['bad \ufffd line']);

    const big = await RecordedRun.start(
      db,
      pipeline('cons-big', '  executor: big-output\n  triggerRule: all_done'),
      { markets: ['LU'] },
    );
    await big.drive();
    await trigger(big.runId, 1);
    const tooBig = (await results(big.runId)).result!;
    expect(tooBig.outcome).toBe(AttemptOutcome.FATAL);
    expect(tooBig.error).toMatchObject({ type: 'OutputTooLargeError', retryable: false });
    expect(tooBig.error!.message).toMatch(
      /^handler output is 20482 bytes of JSON, over the limit of 16384 bytes \(16 KiB\) set by TRIBUTARY_MAX_OUTPUT_BYTES/,
    );
  });

  it('terminates an undecodable trigger, records it in dead_letters, and takes the next one', async () => {
    const { infra } = service;
    const runId = randomUUID();
    await publish(infra.js, infra.subjects.consolidationDue(runId), new Uint8Array([0x0a, 0x05, 0x61]), {
      msgId: `garbage-${runId}`,
    });
    await waitForConsumerIdle(infra.jsm, infra.streams.EVENTS.name, CONSOLIDATOR_DURABLE, 20_000);
    const rows = (
      await sql<{ service: string; consumer: string; subject: string; reason: string; msg_id: string }>`
        select service, consumer, subject, reason, msg_id from dead_letters where msg_id = ${`garbage-${runId}`}`.execute(
        db,
      )
    ).rows;
    expect(rows).toEqual([
      {
        service: 'consolidator',
        consumer: CONSOLIDATOR_DURABLE,
        subject: infra.subjects.consolidationDue(runId),
        reason: expect.stringMatching(/^undecodable payload: /),
        msg_id: `garbage-${runId}`,
      },
    ]);
    // The consumer goes on: the next trigger is consolidated.
    const run = await RecordedRun.start(
      db,
      pipeline('cons-after-poison', '  executor: echo\n  triggerRule: all_done'),
      {
        markets: ['LU'],
      },
    );
    await run.drive();
    await trigger(run.runId, 1);
    expect((await results(run.runId)).result).toMatchObject({ outcome: AttemptOutcome.SUCCESS });
  });
});
