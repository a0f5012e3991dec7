import type { AttemptPayload, RunEvent } from '@tributary/domain';
import {
  createDispatchBatch,
  encodeDispatchBatch,
  encodeRunEvent,
  encodeRunEventBatch,
  eventCategoryOf,
  jsonToBytes,
  RUN_ID_HEADER,
  slotKey,
  TRACEPARENT_HEADER,
  type RunEventMeta,
  type Subjects,
} from '@tributary/events';
import type { OutboxMessage } from '@tributary/event-store';
import { attemptSpanId, traceIdOfTraceparent, traceparentOf } from '@tributary/telemetry';

/** Attempts per dispatch message: keeps a batch well under NATS' 1 MiB payload limit for typical inputs. */
export const MAX_ATTEMPTS_PER_DISPATCH = 200;

/**
 * An executor's attempts of one commit go in at least this many messages (while each holds at least one):
 * a host takes whole messages, so 1 000 long attempts in 5 batches of 200 let one host take 600 for its
 * 510 slots while another idled — 90 waited a whole attempt. In 16 batches of 63 the hosts share them.
 */
export const SPREAD_OVER_MESSAGES = 16;

/** Events per EventBatch message (events carry outputs, so keep well under the payload limit). */
export const MAX_EVENTS_PER_BATCH = 500;

/**
 * Characters of payload JSON per EventBatch: a UTF-8 character takes at most 3 bytes, so a batch stays
 * under NATS' default 1 MiB max_payload whatever the text. One event larger than this goes alone (the
 * output and params limits keep a single event well under max_payload).
 */
export const MAX_EVENT_BATCH_CHARS = 256 * 1024;

/** Bytes of attempts per dispatch message: NATS' default max_payload is 1 MiB. */
export const MAX_DISPATCH_BYTES = 768 * 1024;

/**
 * The attempt as sent; its params travel once per run per batch (`RunContext`) and its upstream outputs
 * once per stage and group (`SlotContext`), not here.
 */
function toAttempt(d: AttemptPayload, traceparent: string | null) {
  return {
    attemptId: d.attemptId,
    runId: d.runId,
    taskId: d.taskId,
    stage: d.stagePath,
    groupPath: d.groupPath ?? '',
    ...(d.mapIndex === null ? {} : { mapIndex: d.mapIndex }),
    attempt: d.attempt,
    inputJson: jsonToBytes(d.input),
    groupJson: jsonToBytes(d.group),
    itemJson: jsonToBytes(d.item),
    timeoutMs: d.timeoutMs ?? 0,
    traceparent: traceparent ?? '',
    pipelineId: d.pipelineId,
  };
}

function attemptBytes(a: ReturnType<typeof toAttempt>): number {
  return 256 + a.attemptId.length * 2 + a.inputJson.length + a.groupJson.length + a.itemJson.length;
}

/** The attempt's own span (emitted when it ends) is the parent of everything its executor host does. */
function attemptTraceparent(runTraceparent: string | null, d: AttemptPayload): string | null {
  const traceId = traceIdOfTraceparent(runTraceparent);
  return traceId ? traceparentOf(traceId, attemptSpanId(d.runId, d.taskId, d.attempt)) : null;
}


function headers(runId: string, traceparent: string | null): Record<string, string> {
  return traceparent
    ? { [TRACEPARENT_HEADER]: traceparent, [RUN_ID_HEADER]: runId }
    : { [RUN_ID_HEADER]: runId };
}

/**
 * EVENTS messages for events just appended. Task-instance events — most of a run's events — go as ONE
 * EventBatch per run per commit, and so do group events (a commit that finishes 1 000 groups sends one
 * message to the fan-in, not 1 000); cancellations stay single, because executor hosts listen for exactly
 * those, and so do run events (`Nats-Msg-Id` = the event id).
 */
export function eventMessages(
  subjects: Subjects,
  stored: readonly {
    eventId: string;
    runId: string;
    runSeq: number;
    payload: unknown;
    /** The payload's JSON text, when the caller has it (sizes the batches without serialising again). */
    payloadJson?: string;
    actor: string | null;
    traceId: string | null;
  }[],
  traceparent: (runId: string) => string | null,
): OutboxMessage[] {
  const messages: OutboxMessage[] = [];
  const batches = new Map<
    string,
    {
      runId: string;
      category: 'task' | 'group';
      events: { event: RunEvent; meta: RunEventMeta; chars: number }[];
    }
  >();
  for (const e of stored) {
    const event = e.payload as RunEvent;
    const meta = { eventId: e.eventId, runId: e.runId, runSeq: e.runSeq, actor: e.actor, traceId: e.traceId };
    const category = eventCategoryOf(event.type);
    if ((category === 'task' && event.type !== 'TaskInstanceCancelled') || category === 'group') {
      const key = `${category}:${e.runId}`;
      const batch = batches.get(key) ?? { runId: e.runId, category, events: [] };
      batch.events.push({ event, meta, chars: e.payloadJson?.length ?? JSON.stringify(event).length });
      batches.set(key, batch);
      continue;
    }
    messages.push({
      msgId: e.eventId,
      subject: subjects.event(e.runId, event.type),
      payload: encodeRunEvent(event, meta),
      headers: headers(e.runId, traceparent(e.runId)),
    });
  }
  for (const { runId, category, events } of batches.values()) {
    for (const chunk of chunksOf(events)) {
      const range = `${chunk[0]!.meta.runSeq}-${chunk[chunk.length - 1]!.meta.runSeq}`;
      messages.push({
        msgId: category === 'task' ? `events:${runId}:${range}` : `${category}-events:${runId}:${range}`,
        subject: subjects.eventBatch(runId, category),
        payload: encodeRunEventBatch(runId, chunk),
        headers: headers(runId, traceparent(runId)),
      });
    }
  }
  return messages;
}

/** Consecutive runs of events within both the count and the size limit of one EventBatch. */
function chunksOf<T extends { chars: number }>(events: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let chars = 0;
  for (const event of events) {
    if (
      chunk.length > 0 &&
      (chunk.length >= MAX_EVENTS_PER_BATCH || chars + event.chars > MAX_EVENT_BATCH_CHARS)
    ) {
      chunks.push(chunk);
      chunk = [];
      chars = 0;
    }
    chunk.push(event);
    chars += event.chars;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Dispatch batches per executor, `Nats-Msg-Id` = the batch id derived from its attempt ids. */
export function dispatchMessages(
  subjects: Subjects,
  dispatches: readonly AttemptPayload[],
  traceparent: (runId: string) => string | null,
  /** Takes the attempts larger than {@link MAX_DISPATCH_BYTES} on their own; without it they go alone in a message. */
  oversize?: (dispatch: AttemptPayload, bytes: number) => void,
): OutboxMessage[] {
  const byExecutor = new Map<string, AttemptPayload[]>();
  for (const d of dispatches) {
    const list = byExecutor.get(d.executor) ?? [];
    list.push(d);
    byExecutor.set(d.executor, list);
  }
  const messages: OutboxMessage[] = [];
  // Each run's params and each slot's upstream outputs serialised once, then shared by every batch that
  // carries one of their attempts.
  const paramsJson = new Map<string, Uint8Array>();
  const paramsOf = (d: AttemptPayload): Uint8Array => {
    let bytes = paramsJson.get(d.runId);
    if (bytes === undefined) paramsJson.set(d.runId, (bytes = jsonToBytes(d.params)));
    return bytes;
  };
  const upstreamJson = new Map<string, Uint8Array>();
  const upstreamOf = (key: string, d: AttemptPayload): Uint8Array => {
    let bytes = upstreamJson.get(key);
    if (bytes === undefined) upstreamJson.set(key, (bytes = jsonToBytes(d.upstream)));
    return bytes;
  };
  for (const [executor, list] of byExecutor) {
    const perMessage = Math.min(MAX_ATTEMPTS_PER_DISPATCH, Math.ceil(list.length / SPREAD_OVER_MESSAGES));
    let chunk: ReturnType<typeof toAttempt>[] = [];
    let runs = new Map<string, Uint8Array>();
    let slots = new Map<
      string,
      {
        runId: string;
        stage: string;
        groupPath: string;
        upstreamJson: Uint8Array;
        upstreamIndicesJson: Uint8Array;
      }
    >();
    let bytes = 0;
    let firstRunId = '';
    let redispatchedAt: number | undefined;
    const flush = () => {
      if (chunk.length === 0) return;
      const batch = createDispatchBatch(
        executor,
        chunk,
        [...runs].map(([runId, params]) => ({ runId, paramsJson: params })),
        [...slots.values()],
      );
      messages.push({
        // A lost dispatch sent again must not be dropped as a duplicate of the first copy's id.
        msgId: redispatchedAt === undefined ? batch.batchId : `${batch.batchId}:requeued:${redispatchedAt}`,
        subject: subjects.task(executor),
        payload: encodeDispatchBatch(batch),
        headers: headers(firstRunId, traceparent(firstRunId)),
      });
      chunk = [];
      runs = new Map();
      slots = new Map();
      bytes = 0;
      redispatchedAt = undefined;
    };
    for (const d of list) {
      const attempt = toAttempt(d, attemptTraceparent(traceparent(d.runId), d));
      const slot = slotKey(d.runId, d.stagePath, d.groupPath ?? '');
      const shared = () =>
        (runs.has(d.runId) ? 0 : paramsOf(d).length) + (slots.has(slot) ? 0 : upstreamOf(slot, d).length);
      if (oversize) {
        const alone = attemptBytes(attempt) + paramsOf(d).length + upstreamOf(slot, d).length;
        if (alone > MAX_DISPATCH_BYTES) {
          oversize(d, alone);
          continue;
        }
      }
      // Batches stay under NATS' payload limit whatever the inputs.
      if (
        chunk.length > 0 &&
        (chunk.length >= perMessage || bytes + attemptBytes(attempt) + shared() > MAX_DISPATCH_BYTES)
      )
        flush();
      if (chunk.length === 0) firstRunId = d.runId;
      bytes += attemptBytes(attempt) + shared();
      if (!runs.has(d.runId)) runs.set(d.runId, paramsOf(d));
      if (!slots.has(slot))
        slots.set(slot, {
          runId: d.runId,
          stage: d.stagePath,
          groupPath: d.groupPath ?? '',
          upstreamJson: upstreamOf(slot, d),
          upstreamIndicesJson: jsonToBytes(d.upstreamIndices ?? {}),
        });
      chunk.push(attempt);
      if (d.redispatchedAt !== undefined) redispatchedAt = Math.max(redispatchedAt ?? 0, d.redispatchedAt);
    }
    flush();
  }
  return messages;
}
