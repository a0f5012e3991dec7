import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { millis, nanos } from '@nats-io/transport-node';
import type { ConfigDifference, ProvisioningAction } from './stream-provisioning.js';

/**
 * A durable pull consumer with explicit acks. Exactly one filter subject: the
 * NATS 2.9 server silently ignores `filter_subjects` and would deliver the
 * whole stream, so create one consumer per subject instead.
 */
export interface ConsumerDefinition {
  readonly durable: string;
  readonly filterSubject: string;
  /** Redelivery after this long without ack/working(). With `backoffMs` the server uses `backoffMs[0]` instead. */
  readonly ackWaitMs: number;
  /** Deliveries before the server gives up (MAX_DELIVERIES advisory); -1 = unlimited. */
  readonly maxDeliver: number;
  /** Unacknowledged messages outstanding across all pullers of this consumer. */
  readonly maxAckPending: number;
  /** Ack-timeout redelivery delays (server side); needs `maxDeliver` > its length. */
  readonly backoffMs?: readonly number[];
  /** @default 'all' */
  readonly deliverPolicy?: 'all' | 'new';
  readonly description?: string;
}

/** Result of provisioning one consumer. */
export interface EnsuredConsumer {
  readonly stream: string;
  readonly durable: string;
  readonly action: ProvisioningAction;
  readonly info: ConsumerInfo;
}

/** A consumer could not be created or brought to its definition. Never retryable. */
export class ConsumerProvisioningError extends Error {
  override readonly name: string = 'ConsumerProvisioningError';
  readonly retryable = false;
  constructor(
    readonly stream: string,
    readonly durable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`consumer ${durable} on stream ${stream}: ${message}`, options);
  }
}

/** A caller asked for several filter subjects on one consumer, which NATS 2.9 cannot do. */
export class MultipleFilterSubjectsError extends ConsumerProvisioningError {
  override readonly name = 'MultipleFilterSubjectsError';
  constructor(
    stream: string,
    durable: string,
    readonly filterSubjects: readonly string[],
  ) {
    super(
      stream,
      durable,
      `${filterSubjects.length} filter subjects given (${filterSubjects.join(', ')}); NATS 2.9 supports exactly one ` +
        'filter subject per consumer (it ignores filter_subjects and delivers the whole stream): create one consumer per subject',
    );
  }
}

/**
 * Creates the durable consumer or updates it to match `def`. Idempotent: a
 * second run reports `unchanged`. Throws {@link MultipleFilterSubjectsError}
 * when `def` carries more than one filter subject (also when smuggled in as
 * `filterSubjects` / `filter_subjects` or an array), and
 * {@link ConsumerProvisioningError} for anything the server refuses.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  def: ConsumerDefinition,
): Promise<EnsuredConsumer> {
  const filterSubject = assertSingleFilterSubject(stream, def);
  validateConsumerDefinition(stream, { ...def, filterSubject });
  const wanted = consumerConfigFor({ ...def, filterSubject });
  const existing = await consumerInfoOrNull(jsm, stream, def.durable);
  if (existing === null) {
    const info = await call(stream, def.durable, 'create', () => jsm.consumers.add(stream, wanted));
    return { stream, durable: def.durable, action: 'created', info };
  }

  const differences = diffConsumerConfig(existing.config, { ...def, filterSubject });
  if (differences.length === 0) return { stream, durable: def.durable, action: 'unchanged', info: existing };
  const immutable = differences.filter((d) => d.immutable);
  if (immutable.length > 0) {
    const fields = immutable.map((d) => `${d.field} (${JSON.stringify(d.current)} → ${JSON.stringify(d.wanted)})`);
    throw new ConsumerProvisioningError(stream, def.durable, `cannot change ${fields.join(', ')}; delete the consumer first`);
  }
  const { ack_policy: _ack, deliver_policy: _deliver, durable_name: _durable, ...updatable } = wanted;
  // An absent backoff must clear one set earlier: send the key with undefined.
  const info = await call(stream, def.durable, 'update', () =>
    jsm.consumers.update(stream, def.durable, { backoff: undefined, ...updatable }),
  );
  return { stream, durable: def.durable, action: 'updated', info };
}

/**
 * Returns the one filter subject of `def`, or throws when there are several
 * or none. Call it wherever consumer definitions enter from untyped config.
 */
export function assertSingleFilterSubject(stream: string, def: ConsumerDefinition): string {
  const raw = def as unknown as Record<string, unknown>;
  const candidates: string[] = [];
  for (const key of ['filterSubject', 'filterSubjects', 'filter_subject', 'filter_subjects']) {
    const value = raw[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) candidates.push(...value.map(String));
    else candidates.push(String(value));
  }
  const subjects = [...new Set(candidates.flatMap((s) => s.split(/[\s,]+/)).filter((s) => s.length > 0))];
  if (subjects.length > 1) throw new MultipleFilterSubjectsError(stream, def.durable, subjects);
  const [only] = subjects;
  if (only === undefined) throw new ConsumerProvisioningError(stream, def.durable, 'needs exactly one filterSubject');
  return only;
}

/** The JetStream config for a definition (what {@link ensureConsumer} sends on create). */
export function consumerConfigFor(def: ConsumerDefinition): Partial<ConsumerConfig> {
  const config: Partial<ConsumerConfig> = {
    durable_name: def.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: def.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    filter_subject: def.filterSubject,
    ack_wait: nanos(effectiveAckWaitMs(def)),
    max_deliver: def.maxDeliver,
    max_ack_pending: def.maxAckPending,
  };
  if (def.backoffMs !== undefined && def.backoffMs.length > 0) config.backoff = def.backoffMs.map((ms) => nanos(ms));
  if (def.description !== undefined) config.description = def.description;
  return config;
}

/** Fields of `current` that differ from `def`. */
export function diffConsumerConfig(current: ConsumerConfig, def: ConsumerDefinition): ConfigDifference[] {
  const wanted = consumerConfigFor(def);
  const differences: ConfigDifference[] = [];
  const add = (field: string, currentValue: unknown, wantedValue: unknown, immutable: boolean) =>
    differences.push({ field, current: currentValue, wanted: wantedValue, immutable });

  if (current.deliver_subject) add('deliverSubject (push consumer)', current.deliver_subject, undefined, true);
  if (current.ack_policy !== AckPolicy.Explicit) add('ackPolicy', current.ack_policy, AckPolicy.Explicit, true);
  if (current.deliver_policy !== wanted.deliver_policy) add('deliverPolicy', current.deliver_policy, wanted.deliver_policy, true);
  if ((current.filter_subject ?? '') !== def.filterSubject) add('filterSubject', current.filter_subject, def.filterSubject, false);
  if (current.ack_wait !== wanted.ack_wait) add('ackWaitMs', millis(current.ack_wait ?? 0), effectiveAckWaitMs(def), false);
  if (current.max_deliver !== def.maxDeliver) add('maxDeliver', current.max_deliver, def.maxDeliver, false);
  if (current.max_ack_pending !== def.maxAckPending) add('maxAckPending', current.max_ack_pending, def.maxAckPending, false);
  const currentBackoff = (current.backoff ?? []).map((n) => millis(n));
  if (!sameList(currentBackoff, def.backoffMs ?? [])) add('backoffMs', currentBackoff, def.backoffMs ?? [], false);
  if (def.description !== undefined && current.description !== def.description) {
    add('description', current.description, def.description, false);
  }
  return differences;
}

// The server replaces ack_wait by backoff[0] when a backoff is set; mirror it so
// that comparing configs stays idempotent.
function effectiveAckWaitMs(def: ConsumerDefinition): number {
  return def.backoffMs?.[0] ?? def.ackWaitMs;
}

function validateConsumerDefinition(stream: string, def: ConsumerDefinition): void {
  const fail = (message: string): never => {
    throw new ConsumerProvisioningError(stream, def.durable, message);
  };
  if (!/^[^.*>\s/\\]+$/.test(def.durable)) fail('durable name must not contain ".", "*", ">", "/", "\\" or whitespace');
  if (!Number.isInteger(def.ackWaitMs) || def.ackWaitMs <= 0) fail(`ackWaitMs must be a positive integer, got ${def.ackWaitMs}`);
  if (!Number.isInteger(def.maxDeliver) || (def.maxDeliver < 1 && def.maxDeliver !== -1)) {
    fail(`maxDeliver must be -1 (unlimited) or at least 1, got ${def.maxDeliver}`);
  }
  if (!Number.isInteger(def.maxAckPending) || (def.maxAckPending < 1 && def.maxAckPending !== -1)) {
    fail(`maxAckPending must be -1 (unlimited) or at least 1, got ${def.maxAckPending}`);
  }
  const backoff = def.backoffMs ?? [];
  if (backoff.some((ms) => !Number.isInteger(ms) || ms <= 0)) fail(`backoffMs must be positive integers, got [${backoff.join(', ')}]`);
  if (backoff.length > 0 && def.maxDeliver !== -1 && def.maxDeliver <= backoff.length) {
    fail(`maxDeliver (${def.maxDeliver}) must exceed the number of backoffMs steps (${backoff.length})`);
  }
}

async function consumerInfoOrNull(jsm: JetStreamManager, stream: string, durable: string): Promise<ConsumerInfo | null> {
  try {
    return await jsm.consumers.info(stream, durable);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === 10014) return null;
    throw new ConsumerProvisioningError(stream, durable, `cannot read consumer info: ${messageOf(error)}`, { cause: error });
  }
}

async function call(
  stream: string,
  durable: string,
  action: string,
  fn: () => Promise<ConsumerInfo>,
): Promise<ConsumerInfo> {
  try {
    return await fn();
  } catch (error) {
    const hint =
      error instanceof JetStreamApiError && error.code === 10100
        ? ' (a work-queue stream allows one consumer per subject: another consumer already filters an overlapping subject)'
        : '';
    throw new ConsumerProvisioningError(stream, durable, `${action} refused: ${messageOf(error)}${hint}`, { cause: error });
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
