// Append throughput of libs/event-store against a throwaway database.
// Run from the repository root:
//   npx tsx --conditions=@tributary/source bench/event-store-append.bench.ts
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  appendEvents,
  createDb,
  migrateToLatest,
  type Database,
  type NewEvent,
} from '@tributary/event-store';
import { createTestDatabase } from '@tributary/testing';
import { sql, type Kysely } from 'kysely';

interface Scenario {
  name: string;
  /** Events per appendEvents call. */
  batchSize: number;
  /** Events per repetition. */
  total: number;
  /** Runs the events of one batch are spread over (round-robin). */
  runsPerBatch: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'single event per call', batchSize: 1, total: 2_000, runsPerBatch: 1 },
  { name: 'batch of 100', batchSize: 100, total: 20_000, runsPerBatch: 1 },
  { name: 'batch of 1000', batchSize: 1_000, total: 50_000, runsPerBatch: 1 },
  { name: 'batch of 1000 over 100 runs', batchSize: 1_000, total: 50_000, runsPerBatch: 100 },
];
const REPETITIONS = 3;

/** A payload of about 200 bytes, the size of a typical task result event. */
function event(runId: string, i: number): NewEvent {
  return {
    eventId: randomUUID(),
    runId,
    type: 'TaskInstanceSucceeded',
    taskId: `market=LU/retrieve[${i}]`,
    attempt: 1,
    payload: {
      output: { hits: 20, topBrand: 'acme', score: 0.8125 },
      durationMs: 143,
      executor: 'search',
      host: 'exec-1',
    },
    actor: 'planner',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    occurredAt: new Date(),
  };
}

async function runOnce(db: Kysely<Database>, scenario: Scenario): Promise<number> {
  // Start every repetition from an empty log so they measure the same thing.
  await sql`truncate event_log, run_streams`.execute(db);
  const runIds = Array.from({ length: scenario.runsPerBatch }, () => `bench-${randomUUID().slice(0, 8)}`);
  const batches = Math.ceil(scenario.total / scenario.batchSize);
  let appended = 0;
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    const events = Array.from({ length: scenario.batchSize }, (_, i) =>
      event(runIds[i % runIds.length]!, b * scenario.batchSize + i),
    );
    appended += (await appendEvents(db, { events })).appended.length;
  }
  const seconds = (performance.now() - started) / 1000;
  if (appended !== batches * scenario.batchSize)
    throw new Error(`${scenario.name}: appended ${appended} events`);
  return appended / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const database = await createTestDatabase();
  const db = createDb(database.url, { maxConnections: 2 });
  try {
    await migrateToLatest(db);
    // A throwaway database: emptied between repetitions, which the append-only triggers (013) refuse.
    await sql`alter table event_log disable trigger user`.execute(db);
    await appendEvents(db, { events: Array.from({ length: 200 }, (_, i) => event('warm-up', i)) });

    const rows: Array<{ scenario: Scenario; runs: number[]; median: number }> = [];
    for (const scenario of SCENARIOS) {
      const runs: number[] = [];
      for (let r = 0; r < REPETITIONS; r++) runs.push(await runOnce(db, scenario));
      rows.push({ scenario, runs, median: median(runs) });
      console.error(`${scenario.name}: ${runs.map((value) => value.toFixed(0)).join(', ')} events/s`);
    }

    const baseline = rows[0]!.median;
    const version = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
    console.log(
      `\nevent-store append, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Postgres ${version.rows[0]?.v}, Node ${process.version}`,
    );
    // Other processes on a 2-core machine move these numbers a lot: show how busy it was.
    console.log(
      `median of ${REPETITIONS} runs each; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after\n`,
    );
    console.log('| scenario | events | calls | median events/s | vs single |');
    console.log('|---|---:|---:|---:|---:|');
    for (const { scenario, median: value } of rows) {
      const calls = Math.ceil(scenario.total / scenario.batchSize);
      console.log(
        `| ${scenario.name} | ${scenario.total} | ${calls} | ${Math.round(value).toLocaleString('en-US')} | ×${(value / baseline).toFixed(1)} |`,
      );
    }
  } finally {
    await db.destroy();
    await database.drop();
  }
}

await main();
