/**
 * Exact conversion between epoch milliseconds (the domain's `at`) and
 * `google.protobuf.Timestamp`: the nanos of a converted timestamp are always a
 * whole number of milliseconds, so the round trip is the identity.
 */
import { create } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';

/** Earliest instant a Timestamp can hold (0001-01-01T00:00:00Z), in epoch ms. */
export const MIN_TIMESTAMP_MS = -62_135_596_800_000;

/** Latest instant a Timestamp can hold (9999-12-31T23:59:59.999Z at ms precision), in epoch ms. */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;

const NANOS_PER_MS = 1_000_000;

/**
 * The Timestamp of `ms` epoch milliseconds (negative = before 1970: seconds
 * round down, nanos stay in [0, 1e9) as the Timestamp spec requires). Throws a
 * `RangeError` when `ms` is not an integer within the Timestamp range.
 */
export function timestampFromEpochMs(ms: number): Timestamp {
  if (!Number.isSafeInteger(ms) || ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS) {
    throw new RangeError(`Expected an integer number of epoch milliseconds between ${MIN_TIMESTAMP_MS} and ${MAX_TIMESTAMP_MS}, got ${String(ms)}`);
  }
  const seconds = Math.floor(ms / 1000);
  return create(TimestampSchema, { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * NANOS_PER_MS });
}

/**
 * The epoch milliseconds of `timestamp`, or a string saying why it has none:
 * nanos outside [0, 1e9), nanos that are not whole milliseconds (they would be
 * lost), or seconds outside the Timestamp range.
 */
export function epochMsFromTimestamp(timestamp: Timestamp): { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string } {
  const { seconds, nanos } = timestamp;
  if (!Number.isInteger(nanos) || nanos < 0 || nanos >= 1_000_000_000) return { ok: false, reason: `has nanos ${nanos} outside [0, 1e9)` };
  if (nanos % NANOS_PER_MS !== 0) return { ok: false, reason: `has nanos ${nanos}, not a whole number of milliseconds` };
  const ms = Number(seconds) * 1000 + nanos / NANOS_PER_MS;
  if (ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS) return { ok: false, reason: `has seconds ${seconds} outside the Timestamp range` };
  return { ok: true, ms };
}
