import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  createTestNats,
  type TestDatabase,
  type TestNats,
  storedOn,
  waitForConsumerIdle,
  writeGatherHandlerModule,
} from '@tributary/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { createDb, migrateToLatest, type Database } from '@tributary/event-store';
import {
  AttemptOutcome,
  decodeResultBatch,
  encodeConsolidationDue,
  epochMsFromTimestamp,
  jsonFromBytes,
  timestampFromEpochMs,
  type AttemptResult,
} from '@tributary/events';
import { publish } from '@tributary/messaging';
import { loadConfig, type RunningService } from '@tributary/runtime';
import { startConsolidator } from './start-consolidator.js';
import { CONSOLIDATOR_DURABLE } from './consolidator.consumers.js';
import { RecordedRun, type Answer } from '@tributary/run-fixtures';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** Two groups of two stages, and the consolidation given by `consolidate` (YAML lines). */
const pipeline = (id: string, consolidate: string) => `
id: ${id}
params:
  type: object
  required: [markets]
  properties: { markets: { type: array, items: { type: string } } }
stages:
  - group: market
    over: params.markets
    stages:
      - id: fetch
        executor: echo
      - id: score
        executor: echo
consolidate:
${consolidate}
`;

const failPT = (taskId: string): Answer =>
  taskId === 'market=PT/score' ? { outcome: 'failed' } : { outcome: 'success', output: `${taskId} ok` };

describe('consolidator service (Postgres + NATS JetStream, no planner)', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let db: Kysely<Database>;
  let service: RunningService;
  let handlers: { path: string; remove(): void };
  let unsafeDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    db = createDb(database.url);
    await migrateToLatest(db);
    handlers = writeGatherHandlerModule();
    // Handlers whose output Postgres or a result message cannot carry (issue #8).
    unsafeDir = mkdtempSync(join(tmpdir(), 'consolidator-unsafe-'));
    writeFileSync(
      join(unsafeDir, 'unsafe.mjs'),
      [
        "export const nulOutput = { name: 'nul-output', run: (ctx) => { ctx.log.warn('bad \\u0000 line'); return { report: ['ok', 'x\\u0000'] }; } };",
        "export const bigOutput = { name: 'big-output', run: () => 'b'.repeat(20 * 1024) };",
        '',
      ].join('\n'),
    );
    const config = loadConfig(
      { TRIBUTARY_HANDLERS: `${handlers.path},${join(unsafeDir, 'unsafe.mjs')}` },
      { subjectPrefix: nats.prefix, databaseUrl: database.url, natsUrl: nats.url, host: 'consolidator-test' },
    );
    const saved = process.env.TRIBUTARY_MAX_OUTPUT_BYTES;
    process.env.TRIBUTARY_MAX_OUTPUT_BYTES = '16KiB';
    try {
      service = await startConsolidator(config);
    } finally {
      if (saved === undefined) delete process.env.TRIBUTARY_MAX_OUTPUT_BYTES;
      else process.env.TRIBUTARY_MAX_OUTPUT_BYTES = saved;
    }
  });

  afterAll(async () => {
    await service?.stop();
    await db?.destroy();
    await nats?.cleanup();
    await database?.drop();
    handlers?.remove();
    if (unsafeDir) rmSync(unsafeDir, { recursive: true, force: true });
  });

  /** Publishes a ConsolidationDue as the fan-in does and waits until the consolidator took it. */
  async function trigger(runId: string, round: number, msgId = `fan-in:${runId}:${round}`): Promise<void> {
    const { infra } = service;
    await publish(
      infra.js,
      infra.subjects.consolidationDue(runId),
      encodeConsolidationDue({
        runId,
        round,
        groups: [],
        at: timestampFromEpochMs(Date.now()),
        runSeq: 1n,
        traceId: TRACE_ID,
      }),
      { msgId, headers: { traceparent: TRACEPARENT } },
    );
    await waitForConsumerIdle(infra.jsm, infra.streams.EVENTS.name, CONSOLIDATOR_DURABLE, 20_000);
  }

  /** The results published for a run (RESULTS is a work queue no one consumes here). */
  async function results(
    runId: string,
  ): Promise<{ count: number; result?: AttemptResult; headers?: Record<string, string>; batchId?: string }> {
    const { count, last } = await storedOn(
      service.infra.jsm,
      service.infra.streams.RESULTS.name,
      service.infra.subjects.result(runId),
    );
    if (!last) return { count };
    const batch = decodeResultBatch(last.data);
    if (!batch.ok) throw batch.error;
    expect(batch.value.results).toHaveLength(1);
    return { count, result: batch.value.results[0]!, headers: last.headers, batchId: batch.value.batchId };
  }

  const output = (result: AttemptResult | undefined) => {
    const parsed = jsonFromBytes(result!.outputJson);
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  };

  it('runs the consolidation in-process over every group and publishes ONE result; a redelivered trigger adds none', async () => {
    const run = await RecordedRun.start(
      db,
      pipeline(
        'cons-gather',
        '  executor: gather\n  triggerRule: all_done\n  with: { title: "${{ params.markets[0] }}" }',
      ),
      { markets: ['LU', 'PT'] },
    );
    await run.drive(failPT);
    await trigger(run.runId, 1);

    const first = await results(run.runId);
    expect(first.count).toBe(1);
    expect(first.result).toMatchObject({
      attemptId: `${run.runId}/consolidate#1`,
      runId: run.runId,
      taskId: 'consolidate',
      attempt: 1,
      consolidationRound: 1,
      outcome: AttemptOutcome.SUCCESS,
      executor: 'gather',
      host: 'consolidator-test',
    });
    expect(output(first.result)).toEqual({
      attempt: 1,
      input: { title: 'LU' },
      groups: [
        {
          path: 'market=LU',
          state: 'success',
          outputs: { fetch: 'market=LU/fetch ok', score: 'market=LU/score ok' },
        },
        { path: 'market=PT', state: 'failed', outputs: { fetch: 'market=PT/fetch ok', score: null } },
      ],
    });
    expect(first.result!.logs.map((l) => [l.level, l.message])).toEqual([['info', 'gathering']]);
    const started = epochMsFromTimestamp(first.result!.startedAt!);
    const finished = epochMsFromTimestamp(first.result!.finishedAt!);
    expect(started.ok && finished.ok && finished.ms >= started.ms).toBe(true);
    expect(first.headers!['nats-msg-id']).toBe(first.batchId);
    expect(first.headers!['traceparent']).toContain(TRACE_ID);

    // Redelivery (the same round under another message id): the same batch id, dropped by JetStream.
    await trigger(run.runId, 1, `again-${randomUUID()}`);
    expect((await results(run.runId)).count).toBe(1);
  });

  it('acknowledges stale triggers without a result: groups still running, round already recorded, superseded', async () => {
    const spec = pipeline('cons-stale', '  executor: echo\n  triggerRule: all_done');
    const running = await RecordedRun.start(db, spec, { markets: ['LU'] });
    await trigger(running.runId, 1);
    expect((await results(running.runId)).count).toBe(0);

    const recorded = await RecordedRun.start(db, spec, { markets: ['LU'] });
    await recorded.drive();
    await recorded.send({
      type: 'RecordConsolidationResult',
      runId: recorded.runId,
      round: 1,
      outcome: 'success',
      output: null,
      host: 'elsewhere',
      startedAt: recorded.now,
      finishedAt: recorded.now,
    });
    await trigger(recorded.runId, 1);
    await trigger(recorded.runId, 2);
    expect((await results(recorded.runId)).count).toBe(0);

    const superseded = await RecordedRun.start(db, spec, { markets: ['LU'] });
    await superseded.drive();
    await db
      .insertInto('fan_in_runs')
      .values({ run_id: superseded.runId, blocks_total: 1, blocks_seen: 1, round: 3, armed: false })
      .execute();
    await trigger(superseded.runId, 2);
    expect((await results(superseded.runId)).count).toBe(0);
    await trigger(superseded.runId, 3);
    expect((await results(superseded.runId)).result).toMatchObject({
      consolidationRound: 3,
      outcome: AttemptOutcome.SUCCESS,
    });
  });

  it('applies the trigger rule without running the handler: UPSTREAM_FAILED / SKIPPED naming the rule', async () => {
    const strict = await RecordedRun.start(
      db,
      pipeline('cons-strict', '  executor: gather\n  triggerRule: all_success'),
      {
        markets: ['LU', 'PT'],
      },
    );
    await strict.drive(failPT);
    await trigger(strict.runId, 1);
    const failed = (await results(strict.runId)).result!;
    expect(failed).toMatchObject({
      outcome: AttemptOutcome.UPSTREAM_FAILED,
      consolidationRound: 1,
      outputJson: new Uint8Array(),
    });
    expect(failed.error?.message).toBe(
      'trigger rule all_success over 2 group(s): 1 success, 1 failed: upstream_failed',
    );

    const onFailure = await RecordedRun.start(
      db,
      pipeline('cons-one-failed', '  executor: gather\n  triggerRule: one_failed'),
      {
        markets: ['LU', 'PT'],
      },
    );
    await onFailure.drive();
    await trigger(onFailure.runId, 1);
    const skipped = (await results(onFailure.runId)).result!;
    expect(skipped.outcome).toBe(AttemptOutcome.SKIPPED);
    expect(skipped.error?.message).toMatch(
      /^trigger rule one_failed over 2 group\(s\): 2 success, 0 failed: skipped$/,
    );
  });

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
