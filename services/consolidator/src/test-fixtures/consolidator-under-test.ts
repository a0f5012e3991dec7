/**
 * The consolidator started on its own database and NATS prefix (no planner), with the gather handlers and
 * two handlers whose output Postgres or a result message cannot carry, for the consolidator's int specs. A
 * spec file calls `beforeAll(startConsolidatorUnderTest)` and `afterAll(stopConsolidatorUnderTest)`; `db`
 * and `service` are exported bindings, set when the consolidator started (ES modules export them live).
 */
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
import { expect } from 'vitest';
import type { Kysely } from 'kysely';
import { createDb, migrateToLatest, type Database } from '@tributary/event-store';
import {
  decodeResultBatch,
  encodeConsolidationDue,
  jsonFromBytes,
  timestampFromEpochMs,
  type AttemptResult,
} from '@tributary/events';
import { publish } from '@tributary/messaging';
import { loadConfig, type RunningService } from '@tributary/runtime';
import { startConsolidator } from '../start-consolidator.js';
import { CONSOLIDATOR_DURABLE } from '../consolidator.consumers.js';
import type { Answer } from '@tributary/run-fixtures';

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** Two groups of two stages, and the consolidation given by `consolidate` (YAML lines). */
export const pipeline = (id: string, consolidate: string) => `
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

export const failPT = (taskId: string): Answer =>
  taskId === 'market=PT/score' ? { outcome: 'failed' } : { outcome: 'success', output: `${taskId} ok` };
let database: TestDatabase;
let nats: TestNats;
export let db: Kysely<Database>;
export let service: RunningService;
let handlers: { path: string; remove(): void };
let unsafeDir: string;

export async function startConsolidatorUnderTest(): Promise<void> {
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
}

export async function stopConsolidatorUnderTest(): Promise<void> {
  await service?.stop();
  await db?.destroy();
  await nats?.cleanup();
  await database?.drop();
  handlers?.remove();
  if (unsafeDir) rmSync(unsafeDir, { recursive: true, force: true });
}

/** Publishes a ConsolidationDue as the fan-in does and waits until the consolidator took it. */
export async function trigger(
  runId: string,
  round: number,
  msgId = `fan-in:${runId}:${round}`,
): Promise<void> {
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
export async function results(
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

export const output = (result: AttemptResult | undefined) => {
  const parsed = jsonFromBytes(result!.outputJson);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
};
