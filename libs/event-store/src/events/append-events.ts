import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { EventStoreError, isDatabaseError } from '../errors/event-store.error.js';
import { enqueueOutbox } from '../outbox/enqueue-outbox.js';
import type { OutboxMessage } from '../outbox/outbox-message.js';
import { hashWithCanonicalPayload } from './event-hash.js';
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
  /**
   * The heads of every involved run, already locked by the caller in this transaction
   * ({@link lockRunStreams}): the append then takes them as they are instead of locking again.
   */
  lockedHeads?: ReadonlyMap<string, RunStreamHead>;
  /**
   * Every `eventId` was minted just now (a random UUID per event), so none can be in the log:
   * skip the duplicate lookup. A collision would still fail the insert on the unique index.
   */
  freshEventIds?: boolean;
  /**
   * Writes that commit with the events (projection upserts, outbox rows), built from the numbered events
   * before they are stored. They go out in the SAME statement as the event insert and the head update, as
   * data-modifying CTEs: one round trip instead of one per table. (A commit of more than `INSERT_CHUNK`
   * events runs them one by one after the inserts.) The statements must not write the same row twice.
   */
  alongside?: (numbered: readonly NumberedEvent[]) => readonly RawBuilder<unknown>[];
}

/** An event numbered and hashed for its run, about to be stored; `payloadJson` is its canonical payload text. */
export type NumberedEvent = Omit<StoredEvent, 'seq' | 'recordedAt'> & { readonly payloadJson: string };

export interface AppendResult {
  /** The new events, in input order, as stored. */
  appended: StoredEvent[];
  /** Ids (lowercase) of events skipped because the log already had them, or because they repeated earlier in the same call. */
  duplicates: string[];
}

/** Rows per set-based INSERT (one JSON parameter each): bounds one statement's document size. */
const INSERT_CHUNK = 2000;
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
    result = await appendPrepared(trx, prepared, input);
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
  options: Pick<AppendEventsInput, 'lockedHeads' | 'freshEventIds' | 'alongside'>,
): Promise<AppendResult> {
  if (prepared.length === 0) return { appended: [], duplicates: [] };

  // Lock before looking for duplicates: a concurrent append of the same event
  // to the same run has then either committed (and is seen) or not started.
  const heads =
    options.lockedHeads ??
    (await lockRunStreams(
      trx,
      prepared.map((event) => event.runId),
    ));
  const existing = options.freshEventIds ? new Set<string>() : await existingEventIds(trx, prepared);

  const seen = new Set<string>();
  const duplicates: string[] = [];
  const pending: PendingEvent[] = [];
  const touched = new Map<string, RunStreamHead>();
  // The prepared events are this call's own objects: numbered and hashed in place (no copies per event).
  for (const event of prepared) {
    if (existing.has(event.eventId) || seen.has(event.eventId)) {
      duplicates.push(event.eventId);
      continue;
    }
    seen.add(event.eventId);
    let head = touched.get(event.runId);
    if (head === undefined) touched.set(event.runId, (head = { ...headOf(heads, event.runId) }));
    const numbered = event as PendingEvent;
    numbered.runSeq = head.lastSeq + 1;
    numbered.prevHash = head.lastHash;
    numbered.hash = hashWithCanonicalPayload(head.lastHash, numbered, event.payloadJson);
    head.lastSeq = numbered.runSeq;
    head.lastHash = numbered.hash;
    pending.push(numbered);
  }
  if (pending.length === 0) return { appended: [], duplicates };

  // One statement for all heads; the rows exist and are locked, so this only updates.
  const newHeads = [...touched.values()].sort((a, b) => compareRunIds(a.runId, b.runId));
  const headsWrite = sql`
    update run_streams as h set last_seq = n.last_seq, last_hash = n.last_hash
    from unnest(${newHeads.map((head) => head.runId)}::text[], ${newHeads.map((head) => head.lastSeq)}::int[],
                ${newHeads.map((head) => head.lastHash)}::text[]) as n(run_id, last_seq, last_hash)
    where h.run_id = n.run_id`;
  const alongside = options.alongside?.(pending) ?? [];

  const stored = new Map<string, { seq: string; recordedAt: Date }>();
  if (pending.length <= INSERT_CHUNK) {
    // Events, heads and the writes alongside them in ONE statement: one round trip per commit.
    const rows = await insertEventRows(trx, pending, [headsWrite, ...alongside]);
    for (const row of rows) stored.set(row.event_id, { seq: row.seq, recordedAt: new Date(row.recorded_ms) });
  } else {
    for (let i = 0; i < pending.length; i += INSERT_CHUNK) {
      const rows = await insertEventRows(trx, pending.slice(i, i + INSERT_CHUNK), []);
      for (const row of rows)
        stored.set(row.event_id, { seq: row.seq, recordedAt: new Date(row.recorded_ms) });
    }
    for (const statement of [headsWrite, ...alongside]) await statement.execute(trx);
  }

  const appended = pending.map((event): StoredEvent => {
    const row = stored.get(event.eventId);
    if (row === undefined) throw new EventStoreError(`event ${event.eventId} was inserted but not returned`);
    return {
      seq: row.seq,
      eventId: event.eventId,
      runId: event.runId,
      runSeq: event.runSeq,
      type: event.type,
      taskId: event.taskId,
      attempt: event.attempt,
      payload: event.payload,
      actor: event.actor,
      traceId: event.traceId,
      occurredAt: event.occurredAt,
      recordedAt: row.recordedAt,
      prevHash: event.prevHash,
      hash: event.hash,
    };
  });
  return { appended, duplicates };
}

type PendingEvent = PreparedEvent & { runSeq: number; prevHash: string; hash: string };

/**
 * One set-based INSERT: the rows travel as one JSON document (V8's native `JSON.stringify`, a dozen
 * bind parameters' worth of work instead of 13 per row), the payload as its canonical text.
 */
async function insertEventRows(
  trx: Transaction<Database>,
  events: readonly PendingEvent[],
  /** Data-modifying statements sent with the insert as CTEs (`with w0 as (…), w1 as (…) insert …`). */
  withStatements: readonly RawBuilder<unknown>[],
): Promise<{ event_id: string; seq: string; recorded_ms: number }[]> {
  const rows = events.map((event) => ({
    event_id: event.eventId,
    run_id: event.runId,
    run_seq: event.runSeq,
    type: event.type,
    task_id: event.taskId,
    attempt: event.attempt,
    payload: event.payloadJson,
    actor: event.actor,
    trace_id: event.traceId,
    occurred_at: event.occurredAt.toISOString(),
    prev_hash: event.prevHash,
    hash: event.hash,
  }));
  // recorded_at comes back as epoch milliseconds: parsing a timestamp text per row cost more than the insert.
  const ctes =
    withStatements.length === 0
      ? sql``
      : sql`with ${sql.join(
          withStatements.map((statement, i) => sql`${sql.id(`w${i}`)} as (${statement})`),
          sql`, `,
        )} `;
  const result = await sql<{ event_id: string; seq: string; recorded_ms: number }>`
    ${ctes}insert into event_log (event_id, run_id, run_seq, type, task_id, attempt, payload, actor, trace_id,
                           occurred_at, prev_hash, hash)
    select r.event_id, r.run_id, r.run_seq, r.type, r.task_id, r.attempt, r.payload::jsonb, r.actor, r.trace_id,
           r.occurred_at, r.prev_hash, r.hash
    from rows from (json_to_recordset(${JSON.stringify(rows)}::json) as (
      event_id uuid, run_id text, run_seq int, type text, task_id text, attempt int, payload text, actor text,
      trace_id text, occurred_at timestamptz, prev_hash text, hash text)) with ordinality as r(
      event_id, run_id, run_seq, type, task_id, attempt, payload, actor, trace_id, occurred_at, prev_hash, hash, n)
    order by r.n
    returning event_id, seq, (extract(epoch from recorded_at) * 1000)::float8 as recorded_ms`.execute(trx);
  return result.rows;
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
