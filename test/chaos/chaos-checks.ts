import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Database } from '@tributary/event-store';
import { CLI } from '../support/tributary-system.js';
import { waitFor } from '../support/free-port.js';

const run = promisify(execFile);

/** An attempt's outcome events: exactly one of these per attempt. */
export const TERMINAL_ATTEMPT_EVENTS = [
  'TaskInstanceSucceeded',
  'TaskInstanceFailed',
  'TaskInstanceUpForRetry',
];

export interface RunExpectation {
  runId: string;
  /** `success` for the chaos pipeline. */
  state: string;
  /** Task instances the run must have. */
  instances: number;
}

/** What the checks after one run found. `failures` empty: every check passed. */
export interface RunCheckReport {
  runId: string;
  state: string | null;
  instances: number;
  events: number;
  attempts: number;
  retries: number;
  requeued: number;
  /** Attempts queued, started or ended more than once, rounds triggered more than once. */
  duplicates: number;
  failures: string[];
}

/** Every check of issue #8, read from the log (and the CLI's audit, and JetStream) after a run ended. */
export async function checkRun(
  db: Kysely<Database>,
  expected: RunExpectation,
  infra: { databaseUrl: string; natsUrl: string; prefix: string },
): Promise<RunCheckReport> {
  const { runId } = expected;
  const failures: string[] = [];
  const fail = (message: string) => failures.push(message);

  const run = await db.selectFrom('runs').select('state').where('run_id', '=', runId).executeTakeFirst();
  if (run?.state !== expected.state)
    fail(`run state is ${run?.state ?? 'missing'}, expected ${expected.state}`);

  const tasks = await db
    .selectFrom('task_instances')
    .select(['task_id', 'state'])
    .where('run_id', '=', runId)
    .execute();
  if (tasks.length !== expected.instances)
    fail(`${tasks.length} task instances, expected ${expected.instances}`);
  const notSucceeded = tasks.filter((t) => t.state !== 'success');
  if (expected.state === 'success' && notSucceeded.length > 0)
    fail(
      `${notSucceeded.length} task instances not success: ${histogram(notSucceeded.map((t) => t.state))} ` +
        `(e.g. ${notSucceeded
          .slice(0, 5)
          .map((t) => `${t.task_id}=${t.state}`)
          .join(', ')})`,
    );

  const rows = await db
    .selectFrom('event_log')
    .select(['run_seq', 'type', 'task_id', 'attempt', 'payload'])
    .where('run_id', '=', runId)
    .orderBy('run_seq')
    .execute();
  // run_seq gapless, and the head agrees.
  const gaps = rows.filter((r, i) => Number(r.run_seq) !== i + 1);
  if (gaps.length > 0)
    fail(
      `run_seq not gapless: first out of place at index ${rows.indexOf(gaps[0]!)} (run_seq ${gaps[0]!.run_seq})`,
    );
  const head = await db
    .selectFrom('run_streams')
    .select('last_seq')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  if (Number(head?.last_seq ?? -1) !== rows.length)
    fail(`run_streams.last_seq ${head?.last_seq} but ${rows.length} events in the log`);

  // Per attempt: one dispatch, at most one start, exactly one outcome.
  const attempts = new Map<string, { queued: number; started: number; terminal: string[] }>();
  const attemptOf = (taskId: string | null, attempt: number | null) => {
    const key = `${taskId}#${attempt}`;
    let entry = attempts.get(key);
    if (!entry) attempts.set(key, (entry = { queued: 0, started: 0, terminal: [] }));
    return entry;
  };
  let requeued = 0;
  let retries = 0;
  const rounds = new Map<number, number>();
  for (const row of rows) {
    if (row.type === 'TaskInstanceQueued') attemptOf(row.task_id, row.attempt).queued += 1;
    else if (row.type === 'TaskInstanceStarted') attemptOf(row.task_id, row.attempt).started += 1;
    else if (TERMINAL_ATTEMPT_EVENTS.includes(row.type)) {
      attemptOf(row.task_id, row.attempt).terminal.push(row.type);
      if (row.type === 'TaskInstanceUpForRetry') retries += 1;
    } else if (row.type === 'TaskInstanceRequeued') requeued += 1;
    else if (row.type === 'ConsolidationTriggered') {
      const round = Number((row.payload as { round?: number }).round);
      rounds.set(round, (rounds.get(round) ?? 0) + 1);
    }
  }
  let duplicates = 0;
  const problems = { twiceQueued: [] as string[], twiceStarted: [] as string[], twiceEnded: [] as string[] };
  const noOutcome: string[] = [];
  const notQueued: string[] = [];
  for (const [key, a] of attempts) {
    if (a.queued > 1) problems.twiceQueued.push(key);
    if (a.started > 1) problems.twiceStarted.push(key);
    if (a.terminal.length > 1) problems.twiceEnded.push(`${key} (${a.terminal.join(', ')})`);
    if (a.queued === 0) notQueued.push(key);
    if (a.terminal.length === 0) noOutcome.push(key);
  }
  for (const [what, keys] of Object.entries(problems)) {
    duplicates += keys.length;
    if (keys.length > 0) fail(`${keys.length} attempts ${what}: ${keys.slice(0, 5).join('; ')}`);
  }
  if (noOutcome.length > 0)
    fail(`${noOutcome.length} attempts without an outcome: ${noOutcome.slice(0, 5).join('; ')}`);
  if (notQueued.length > 0)
    fail(`${notQueued.length} attempts never queued: ${notQueued.slice(0, 5).join('; ')}`);
  // One consolidation per round, and (no clears here) exactly round 1.
  for (const [round, n] of rounds) {
    if (n > 1) {
      duplicates += n - 1;
      fail(`consolidation round ${round} triggered ${n} times`);
    }
  }
  if (expected.state === 'success' && [...rounds.keys()].join(',') !== '1')
    fail(`consolidation rounds in the log: [${[...rounds.keys()].join(', ')}], expected [1]`);

  // The chain verifies and the log folds to the projections (the CLI's audit, as an auditor runs it).
  const verify = await cliJson(['audit', 'verify', runId, '--json', '--database-url', infra.databaseUrl]);
  if (!verify.json?.ok) fail(`audit verify: ${verify.text.slice(0, 600)}`);
  const replay = await cliJson(['audit', 'replay', runId, '--json', '--database-url', infra.databaseUrl]);
  if (!replay.json?.ok)
    fail(
      `audit replay: ${replay.json?.differences?.length ?? '?'} differences: ${JSON.stringify(
        replay.json?.differences?.slice(0, 5) ?? replay.text.slice(0, 600),
      )}`,
    );

  return {
    runId,
    state: run?.state ?? null,
    instances: tasks.length,
    events: rows.length,
    attempts: attempts.size,
    retries,
    requeued,
    duplicates,
    failures,
  };
}

/**
 * Nothing left behind once the system settled: no outbox row unpublished, and every durable consumer
 * of the prefix's streams with nothing pending and nothing unacknowledged.
 */
export async function checkSettled(
  db: Kysely<Database>,
  infra: { natsUrl: string; prefix: string },
  timeoutMs: number,
): Promise<string[]> {
  const failures: string[] = [];
  try {
    await waitFor('the outbox to drain', async () => (await unpublishedOutbox(db)) === 0, timeoutMs, 250);
  } catch {
    failures.push(`${await unpublishedOutbox(db)} outbox rows still unpublished after ${timeoutMs} ms`);
  }
  let busy: string[] = [];
  try {
    await waitFor(
      'every durable consumer to be idle',
      async () => {
        busy = await busyConsumers(infra.natsUrl, infra.prefix);
        return busy.length === 0;
      },
      timeoutMs,
      500,
    );
  } catch {
    failures.push(`consumers not idle after ${timeoutMs} ms: ${busy.join('; ')}`);
  }
  return failures;
}

async function unpublishedOutbox(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('published_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** `stream/durable: N pending, M unacked` for every durable of the prefix's streams that is not idle. */
export async function busyConsumers(natsUrl: string, prefix: string): Promise<string[]> {
  const all = await consumerStates(natsUrl, prefix);
  return all.filter((c) => c.pending > 0 || c.ackPending > 0).map((c) => c.describe);
}

export interface ConsumerState {
  stream: string;
  durable: string;
  pending: number;
  ackPending: number;
  redelivered: number;
  waiting: number;
  describe: string;
}

export async function consumerStates(natsUrl: string, prefix: string): Promise<ConsumerState[]> {
  const nc = await connect({ servers: natsUrl, reconnect: false, timeout: 3000 });
  try {
    const jsm = await jetstreamManager(nc);
    const out: ConsumerState[] = [];
    for await (const name of jsm.streams.names()) {
      if (!name.startsWith(`${prefix.toUpperCase()}_`)) continue;
      for await (const info of jsm.consumers.list(name)) {
        if (!info.config.durable_name) continue;
        out.push({
          stream: name,
          durable: info.name,
          pending: info.num_pending,
          ackPending: info.num_ack_pending,
          redelivered: info.num_redelivered,
          waiting: info.num_waiting,
          describe: `${name}/${info.name}: ${info.num_pending} pending, ${info.num_ack_pending} unacked, ${info.num_redelivered} redelivered, ${info.num_waiting} pulls waiting`,
        });
      }
    }
    return out;
  } finally {
    await nc.close();
  }
}

async function cliJson(args: string[]): Promise<{ json: any; text: string }> {
  let text: string;
  try {
    text = (await run(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    // Exit 1 still prints the JSON verdict.
    text = String((error as { stdout?: string }).stdout ?? '') || String(error);
  }
  try {
    return { json: JSON.parse(text), text };
  } catch {
    return { json: null, text };
  }
}

export function histogram(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}
