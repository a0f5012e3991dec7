/** One pool's token bucket, as of `updatedAtMs`. */
export interface TokenBucket {
  readonly tokens: number;
  readonly updatedAtMs: number;
}

/**
 * Every rate-limited pool's bucket, by pool name. An immutable value: `chooseDispatch` returns
 * a new one and never changes the one it was given. A pool with no entry has a full bucket.
 */
export type TokenBuckets = ReadonlyMap<string, TokenBucket>;

/** Tolerance for floating-point refill: a bucket this close to one token has one. */
const EPSILON = 1e-9;

/** No bucket used yet: every pool starts full. */
export function emptyTokenBuckets(): TokenBuckets {
  return new Map();
}

/** A bucket's capacity for a rate: `max(1, ratePerSecond)` tokens, so a burst of 1 is always allowed. */
export function bucketCapacity(ratePerSecond: number): number {
  return Math.max(1, ratePerSecond);
}

/**
 * The bucket at `nowMs`: refilled continuously at `ratePerSecond` since `updatedAtMs`, never
 * above capacity. A missing bucket is full; a clock that went backwards refills nothing; a
 * non-positive rate refills nothing.
 */
export function refillBucket(
  bucket: TokenBucket | undefined,
  ratePerSecond: number,
  nowMs: number,
): TokenBucket {
  const capacity = bucketCapacity(ratePerSecond);
  if (bucket === undefined) return { tokens: ratePerSecond > 0 ? capacity : 0, updatedAtMs: nowMs };
  const elapsedMs = Math.max(0, nowMs - bucket.updatedAtMs);
  const refill = ratePerSecond > 0 ? (elapsedMs * ratePerSecond) / 1000 : 0;
  return {
    tokens: Math.min(capacity, bucket.tokens + refill),
    updatedAtMs: Math.max(bucket.updatedAtMs, nowMs),
  };
}

/** Whether the bucket holds a whole token to spend. */
export function hasToken(bucket: TokenBucket): boolean {
  return bucket.tokens >= 1 - EPSILON;
}

/**
 * When (ms, rounded up) the bucket will next hold a whole token; `updatedAtMs` when it already
 * does; null when it never will (non-positive rate).
 */
export function nextTokenAtMs(bucket: TokenBucket, ratePerSecond: number): number | null {
  if (hasToken(bucket)) return bucket.updatedAtMs;
  if (!(ratePerSecond > 0)) return null;
  return bucket.updatedAtMs + Math.ceil(((1 - bucket.tokens) * 1000) / ratePerSecond - EPSILON);
}
