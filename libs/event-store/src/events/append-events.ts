import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { EventStoreError, isDatabaseError } from '../errors/event-store.error.js';
import { enqueueOutbox } from '../outbox/enqueue-outbox.js';
import type { OutboxMessage } from '../outbox/outbox-message.js';
import type { NewEventLogRow } from '../tables/event-log.table.js';
import { computeEventHash } from './event-hash.js';
import { compareRunIds, lockRunStreams, type RunStreamHead } from './lock-run-streams.js';
import { prepareEvent, type PreparedEvent } from './prepare-event.js';
import type { NewEvent, StoredEvent } from './stored-event.js';

/**
 * Writes projections from the events just appended, inside the append's
 * transaction. Throwing rolls back the events, the outbox and the heads too.
 */
export type Projector = (trx: Transaction<Database>, appended: readonly StoredEvent[]) => Promise<void>;

export interface AppendEventsInput {
  /** Events of one or many runs; each run's events get consecutive `run_seq` in this order. */
  events: readonly NewEvent[];
  /** Messages to publish after commit, written in the same transaction. */
  outbox?: readonly OutboxMessage[];
  /** Called after the insert, only when at least one event was new. */
  project?: Projector;
}

export interface AppendResult {
  /** The new events, in input order, as stored. */
  appended: StoredEvent[];
  /** Ids (lowercase) of events skipped because the log already had them, or because they repeated earlier in the same call. */
  duplicates: string[];
}

/** Rows per multi-row INSERT: 500 × 13 columns stays far below Postgres' 65 535 parameters. */
const INSERT_CHUNK = 500;
const LOOKUP_CHUNK = 5000;

/**
 * Appends events in a transaction of its own. See {@link appendEventsInTransaction}.
 *
 * Database failures are thrown as `EventStoreError` (check `retryable`: a
 * retry after a deadlock, serialization failure or lost connection is safe,
 * because appends are idempotent by event id); errors thrown by the projector
 * are rethrown as they are.
 */
export async function appendEvents(db: Kysely<Database>, input: AppendEventsInput): Promise<AppendResult> {
  try {
    return await db.transaction().execute((trx) => appendEventsInTransaction(trx, input));
  } catch (error) {
    throw isDatabaseError(error) ? EventStoreError.from(error, 'append events') : error;
  }
}

/**
 * Appends events inside the caller's transaction, for callers (the planner)
 * that lock, load and decide first:
 *
 * 1. locks the heads of every involved run in a fixed order ({@link lockRunStreams});
 * 2. skips events whose `eventId` is already in the log (a re-append is a no-op) and reports them as duplicates;
 * 3. numbers each run's new events gaplessly after its head and chains their hashes;
 * 4. inserts them with multi-row INSERTs, advances the heads, writes the outbox;
 * 5. calls `project` with the appended events.
 *
 * Nothing is visible to others until the caller commits.
 */
export async function appendEventsInTransaction(
  trx: Transaction<Database>,
  input: AppendEventsInput,
): Promise<AppendResult> {
  const prepared = input.events.map((event, index) => prepareEvent(event, index));
  let result: AppendResult;
  try {
    result = await appendPrepared(trx, prepared);
    if (input.outbox !== undefined && input.outbox.length > 0) await enqueueOutbox(trx, input.outbox);
  } catch (error) {
    throw EventStoreError.from(error, 'append events');
  }
  if (input.project !== undefined && result.appended.length > 0) await input.project(trx, result.appended);
  return result;
}

async function appendPrepared(
  trx: Transaction<Database>,
  prepared: readonly PreparedEvent[],
): Promise<AppendResult> {
  if (prepared.length === 0) return { appended: [], duplicates: [] };

  // Lock before looking for duplicates: a concurrent append of the same event
  // to the same run has then either committed (and is seen) or not started.
  const heads = await lockRunStreams(
    trx,
    prepared.map((event) => event.runId),
  );
  const existing = await existingEventIds(trx, prepared);

  const seen = new Set<string>();
  const duplicates: string[] = [];
  const pending: Array<Omit<StoredEvent, 'seq' | 'recordedAt'>> = [];
  const touched = new Map<string, RunStreamHead>();
  for (const event of prepared) {
    if (existing.has(event.eventId) || seen.has(event.eventId)) {
      duplicates.push(event.eventId);
      continue;
    }
    seen.add(event.eventId);
    const head = touched.get(event.runId) ?? { ...headOf(heads, event.runId) };
    const runSeq = head.lastSeq + 1;
    const { payloadJson: _json, ...fields } = event;
    const hash = computeEventHash(head.lastHash, { ...fields, runSeq });
    pending.push({ ...fields, runSeq, prevHash: head.lastHash, hash });
    touched.set(event.runId, { runId: event.runId, lastSeq: runSeq, lastHash: hash });
  }
  if (pending.length === 0) return { appended: [], duplicates };

  const payloadJson = new Map(prepared.map((event) => [event.eventId, event.payloadJson]));
  const stored = new Map<string, { seq: string; recordedAt: Date }>();
  for (let i = 0; i < pending.length; i += INSERT_CHUNK) {
    const rows: NewEventLogRow[] = pending.slice(i, i + INSERT_CHUNK).map((event) => ({
      event_id: event.eventId,
      run_id: event.runId,
      run_seq: event.runSeq,
      type: event.type,
      task_id: event.taskId,
      attempt: event.attempt,
      payload: payloadJson.get(event.eventId) ?? 'null',
      actor: event.actor,
      trace_id: event.traceId,
      occurred_at: event.occurredAt,
      prev_hash: event.prevHash,
      hash: event.hash,
    }));
    const inserted = await trx
      .insertInto('event_log')
      .values(rows)
      .returning(['event_id', 'seq', 'recorded_at'])
      .execute();
    for (const row of inserted) stored.set(row.event_id, { seq: row.seq, recordedAt: row.recorded_at });
  }

  // One statement for all heads; the rows exist and are locked, so this only updates.
  const newHeads = [...touched.values()].sort((a, b) => compareRunIds(a.runId, b.runId));
  await trx
    .insertInto('run_streams')
    .values(
      newHeads.map((head) => ({ run_id: head.runId, last_seq: head.lastSeq, last_hash: head.lastHash })),
    )
    .onConflict((conflict) =>
      conflict.column('run_id').doUpdateSet((eb) => ({
        last_seq: eb.ref('excluded.last_seq'),
        last_hash: eb.ref('excluded.last_hash'),
      })),
    )
    .execute();

  const appended = pending.map((event): StoredEvent => {
    const row = stored.get(event.eventId);
    if (row === undefined) throw new EventStoreError(`event ${event.eventId} was inserted but not returned`);
    return { ...event, seq: row.seq, recordedAt: row.recordedAt };
  });
  return { appended, duplicates };
}

async function existingEventIds(
  trx: Transaction<Database>,
  events: readonly PreparedEvent[],
): Promise<Set<string>> {
  const ids = [...new Set(events.map((event) => event.eventId))];
  const existing = new Set<string>();
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const rows = await trx
      .selectFrom('event_log')
      .select('event_id')
      .where('event_id', 'in', ids.slice(i, i + LOOKUP_CHUNK))
      .execute();
    for (const row of rows) existing.add(row.event_id);
  }
  return existing;
}

function headOf(heads: ReadonlyMap<string, RunStreamHead>, runId: string): RunStreamHead {
  const head = heads.get(runId);
  // lockRunStreams inserts missing heads, so this only fires on a bug.
  if (head === undefined) throw new EventStoreError(`run stream head of ${runId} was not locked`);
  return head;
}
