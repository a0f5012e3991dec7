import type { JsMsg } from '@nats-io/jetstream';
import { sanitizeText } from '@tributary/domain';
import { insertDeadLetter, type Database, type DeadLetterRow } from '@tributary/event-store';
import type { DeadLetterEvent } from '@tributary/messaging';
import type { Kysely } from 'kysely';

/** One message a consumer gave up on, as stored in `dead_letters` (migration 006): the row, with the message as read. */
export type DeadLetterRecord = Omit<DeadLetterRow, 'payload' | 'publishedAt'> & {
  /** The message's bytes, the first {@link MAX_DEAD_LETTER_PAYLOAD_BYTES} of them; null when the message is gone. */
  payload: Uint8Array | null;
  /** When the stream stored the message (epoch ms); null when unknown. */
  publishedAt: number | null;
};

/** Bytes of a dead letter's payload kept for inspection (the rest is counted in `payload_bytes`). */
export const MAX_DEAD_LETTER_PAYLOAD_BYTES = 256 * 1024;
/** A record that takes longer than this fails (the message is then nak'ed and recorded on a later delivery). */
export const DEAD_LETTER_WRITE_TIMEOUT_MS = 5_000;

const MAX_REASON = 16 * 1024;

/** The record of a message a consumer terminates (`onPoison`). */
export function deadLetterOf(service: string, msg: JsMsg, reason: string, error?: unknown): DeadLetterRecord {
  const info = msg.info;
  return {
    service,
    stream: info.stream,
    consumer: info.consumer,
    subject: msg.subject,
    streamSequence: info.streamSequence,
    deliveries: info.deliveryCount,
    reason,
    errorType: error instanceof Error ? error.name : null,
    msgId: msg.headers?.get('Nats-Msg-Id') || null,
    headers: headersOf(msg.headers),
    payload: msg.data,
    payloadBytes: msg.data.byteLength,
    publishedAt: publishedAtOf(msg),
  };
}

/** The record of a message the server stopped delivering (`onDeadLetter`, the MAX_DELIVERIES advisory). */
export function deadLetterOfAdvisory(service: string, event: DeadLetterEvent): DeadLetterRecord {
  const stored = event.message;
  return {
    service,
    stream: event.stream,
    consumer: event.consumer,
    subject: stored?.subject ?? '',
    streamSequence: event.streamSequence,
    deliveries: event.deliveries,
    reason: `delivered ${event.deliveries} times without being acknowledged (max_deliver reached): the server stopped delivering it`,
    errorType: null,
    msgId: stored?.header?.get('Nats-Msg-Id') || null,
    headers: headersOf(stored?.header),
    payload: stored?.data ?? null,
    payloadBytes: stored ? stored.data.byteLength : null,
    publishedAt: stored ? stored.time.getTime() : null,
  };
}

/**
 * Stores `record` in `dead_letters` (once per message and consumer: a repeat is ignored). Text is
 * stored as Postgres can hold it (NUL and unpaired surrogates become U+FFFD); the payload keeps its
 * bytes. Throws when the row cannot be written within {@link DEAD_LETTER_WRITE_TIMEOUT_MS}.
 */
export async function recordDeadLetter(
  db: Kysely<Database>,
  record: DeadLetterRecord,
  timeoutMs: number = DEAD_LETTER_WRITE_TIMEOUT_MS,
): Promise<void> {
  const text = (value: string) => sanitizeText(value);
  const payload = record.payload
    ? Buffer.from(record.payload.subarray(0, MAX_DEAD_LETTER_PAYLOAD_BYTES))
    : null;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(record.headers)) headers[text(key)] = text(value);
  const reason = text(
    record.reason.length > MAX_REASON ? `${record.reason.slice(0, MAX_REASON)}…` : record.reason,
  );
  const insert = insertDeadLetter(db, {
    service: text(record.service),
    stream: text(record.stream),
    consumer: text(record.consumer),
    subject: text(record.subject),
    streamSequence: record.streamSequence,
    deliveries: record.deliveries,
    reason,
    errorType: record.errorType === null ? null : text(record.errorType),
    msgId: record.msgId === null ? null : text(record.msgId),
    headers,
    payload,
    payloadBytes: record.payloadBytes,
    publishedAt: record.publishedAt === null ? null : new Date(record.publishedAt),
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`dead letter not recorded: Postgres did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([insert, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a service wires into its consumers: `onPoison` and `onDeadLetter` of a runner or the JetStream transport. */
export interface DeadLetterRecorder {
  /** Records a message about to be terminated; throws when it could not be recorded (the runner then naks it, except on its last delivery). */
  onPoison(msg: JsMsg, reason: string, error?: unknown): Promise<void>;
  /** Records a message the server stopped delivering. */
  onDeadLetter(event: DeadLetterEvent): Promise<void>;
}

/**
 * The dead-letter recorder of `service`: every message it gives up on is logged through `log` (with
 * stream, subject, sequence and reason) and stored in `dead_letters`.
 */
export function deadLetterRecorder(
  db: Kysely<Database>,
  service: string,
  log: (line: string) => void = (line) => console.error(line),
): DeadLetterRecorder {
  const write = async (record: DeadLetterRecord): Promise<void> => {
    log(
      `dead letter: ${record.stream}/${record.consumer} seq ${record.streamSequence} on ${record.subject || '(gone)'} ` +
        `after ${record.deliveries} deliver${record.deliveries === 1 ? 'y' : 'ies'}: ${record.reason}`,
    );
    await recordDeadLetter(db, record);
  };
  return {
    onPoison: (msg, reason, error) => write(deadLetterOf(service, msg, reason, error)),
    onDeadLetter: (event) => write(deadLetterOfAdvisory(service, event)),
  };
}

function publishedAtOf(msg: JsMsg): number | null {
  try {
    const ms = msg.time.getTime();
    return Number.isFinite(ms) ? ms : null;
  } catch {
    return null;
  }
}

function headersOf(headers: JsMsg['headers'] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const key of headers.keys()) out[key] = headers.get(key);
  return out;
}
