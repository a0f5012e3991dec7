/** Nak delays used when a consumer has no `backoff` of its own: 1 s, 5 s, 30 s, then every 2 min. */
export const DEFAULT_RETRY_BACKOFF_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000];

/**
 * The nak delay after a failed delivery number `deliveryCount` (1-based):
 * the matching step of `backoffMs`, the last step once past its end, and 0
 * for the final delivery allowed by `maxDeliver`, so the server gives up (and
 * emits its MAX_DELIVERIES advisory) without waiting out a delay for nothing.
 */
export function redeliveryDelayMs(
  deliveryCount: number,
  backoffMs: readonly number[] = DEFAULT_RETRY_BACKOFF_MS,
  maxDeliver = -1,
): number {
  if (maxDeliver > 0 && deliveryCount >= maxDeliver) return 0;
  if (backoffMs.length === 0) return 0;
  const step = Math.min(Math.max(deliveryCount, 1), backoffMs.length) - 1;
  return backoffMs[step]!;
}
