import {
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { millis, nanos } from '@nats-io/transport-node';

/**
 * A stream as data (the shape `@tributary/events` describes them in).
 * Durations are milliseconds; a missing or 0 `maxAgeMs` keeps messages until
 * consumed (work queues) or for ever; a missing `duplicateWindowMs` keeps the
 * server default (2 min, or `maxAgeMs` when shorter).
 */
export interface StreamDefinition {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly retention: 'limits' | 'workqueue';
  readonly maxAgeMs?: number;
  readonly duplicateWindowMs?: number;
  /** @default 'file' */
  readonly storage?: 'file' | 'memory';
  /** @default 1 */
  readonly replicas?: number;
}

/** What {@link ensureStream} did. */
export type ProvisioningAction = 'created' | 'updated' | 'unchanged';

/** Result of provisioning one stream. */
export interface EnsuredStream {
  readonly name: string;
  readonly action: ProvisioningAction;
  readonly info: StreamInfo;
}

/** A stream could not be created or brought to its definition. Never retryable: the definition or the server state must change. */
export class StreamProvisioningError extends Error {
  override readonly name = 'StreamProvisioningError';
  readonly retryable = false;
  constructor(
    readonly stream: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`stream ${stream}: ${message}`, options);
  }
}

/** A difference between a stream's current config and its definition. */
export interface ConfigDifference {
  readonly field: string;
  readonly current: unknown;
  readonly wanted: unknown;
  /** The server refuses to change this field on an existing stream/consumer. */
  readonly immutable: boolean;
}

/**
 * Creates every stream in `defs` or updates it to match, in order. Idempotent:
 * a second run reports `unchanged` and sends no update.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  defs: readonly StreamDefinition[],
): Promise<EnsuredStream[]> {
  const results: EnsuredStream[] = [];
  for (const def of defs) results.push(await ensureStream(jsm, def));
  return results;
}

/** Creates `def` or updates the existing stream to match it; see {@link ensureStreams}. */
export async function ensureStream(jsm: JetStreamManager, def: StreamDefinition): Promise<EnsuredStream> {
  validateStreamDefinition(def);
  const existing = await streamInfoOrNull(jsm, def.name);
  if (existing === null) {
    const info = await call(def.name, 'create', () => jsm.streams.add(streamConfigFor(def)));
    return { name: def.name, action: 'created', info };
  }

  const differences = diffStreamConfig(existing.config, def);
  if (differences.length === 0) return { name: def.name, action: 'unchanged', info: existing };
  const immutable = differences.filter((d) => d.immutable);
  if (immutable.length > 0) {
    throw new StreamProvisioningError(
      def.name,
      `cannot change ${immutable.map(describe).join(', ')} of an existing stream; delete and recreate it (this drops its messages)`,
    );
  }
  const { name: _name, retention: _retention, storage: _storage, ...updatable } = streamConfigFor(def);
  // streams.update merges into the current config, so fields we do not manage are kept.
  const info = await call(def.name, 'update', () => jsm.streams.update(def.name, updatable));
  return { name: def.name, action: 'updated', info };
}

/** The JetStream config for a definition (what {@link ensureStream} sends on create). */
export function streamConfigFor(def: StreamDefinition): Partial<StreamConfig> & { name: string } {
  const config: Partial<StreamConfig> & { name: string } = {
    name: def.name,
    subjects: [...def.subjects],
    retention: def.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    storage: def.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: def.replicas ?? 1,
    max_age: nanos(def.maxAgeMs ?? 0),
  };
  if (def.duplicateWindowMs !== undefined) config.duplicate_window = nanos(def.duplicateWindowMs);
  return config;
}

/** Fields of `current` that differ from `def` (subjects compared as sets). */
export function diffStreamConfig(current: StreamConfig, def: StreamDefinition): ConfigDifference[] {
  const wanted = streamConfigFor(def);
  const differences: ConfigDifference[] = [];
  const add = (field: string, currentValue: unknown, wantedValue: unknown, immutable: boolean) =>
    differences.push({ field, current: currentValue, wanted: wantedValue, immutable });

  if (!sameSet(current.subjects ?? [], def.subjects)) add('subjects', current.subjects, [...def.subjects], false);
  if (current.retention !== wanted.retention) add('retention', current.retention, wanted.retention, true);
  if (current.storage !== wanted.storage) add('storage', current.storage, wanted.storage, true);
  if ((current.num_replicas || 1) !== wanted.num_replicas) add('replicas', current.num_replicas, wanted.num_replicas, false);
  if ((current.max_age ?? 0) !== wanted.max_age) add('maxAgeMs', millis(current.max_age ?? 0), def.maxAgeMs ?? 0, false);
  if (wanted.duplicate_window !== undefined && current.duplicate_window !== wanted.duplicate_window) {
    add('duplicateWindowMs', millis(current.duplicate_window ?? 0), def.duplicateWindowMs, false);
  }
  return differences;
}

function validateStreamDefinition(def: StreamDefinition): void {
  if (!/^[^.*>\s/\\]+$/.test(def.name)) {
    throw new StreamProvisioningError(def.name, 'name must not contain ".", "*", ">", "/", "\\" or whitespace');
  }
  if (def.subjects.length === 0) throw new StreamProvisioningError(def.name, 'needs at least one subject');
  if (def.retention !== 'limits' && def.retention !== 'workqueue') {
    throw new StreamProvisioningError(def.name, `retention must be "limits" or "workqueue", got ${JSON.stringify(def.retention)}`);
  }
  for (const [field, value] of [['maxAgeMs', def.maxAgeMs], ['duplicateWindowMs', def.duplicateWindowMs]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new StreamProvisioningError(def.name, `${field} must be a non-negative integer, got ${value}`);
    }
  }
  if (def.maxAgeMs && def.duplicateWindowMs !== undefined && def.duplicateWindowMs > def.maxAgeMs) {
    throw new StreamProvisioningError(
      def.name,
      `duplicateWindowMs (${def.duplicateWindowMs}) must not exceed maxAgeMs (${def.maxAgeMs})`,
    );
  }
}

async function streamInfoOrNull(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === 10059) return null;
    throw new StreamProvisioningError(name, `cannot read stream info: ${messageOf(error)}`, { cause: error });
  }
}

async function call(stream: string, action: string, fn: () => Promise<StreamInfo>): Promise<StreamInfo> {
  try {
    return await fn();
  } catch (error) {
    // The server's words are precise (e.g. "subjects overlap with an existing stream"): keep them.
    throw new StreamProvisioningError(stream, `${action} refused: ${messageOf(error)}`, { cause: error });
  }
}

function describe(d: ConfigDifference): string {
  return `${d.field} (${JSON.stringify(d.current)} → ${JSON.stringify(d.wanted)})`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((value) => right.has(value));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
