/** How the delay between attempts grows. */
export type RetryBackoff = 'fixed' | 'exponential';

/** Everything `retryDelayMs` needs; time and randomness are passed in. */
export interface RetryDelayInput {
  /** The attempt that just failed, 1-based. */
  attempt: number;
  /** The base delay (spec `retryDelay`), ms. */
  retryDelayMs: number;
  retryBackoff: RetryBackoff;
  /** Upper bound of every delay, jitter included (spec `maxRetryDelay`); null for none. */
  maxRetryDelayMs: number | null;
  /** Spread, 0..1: the delay moves by up to ±retryJitter·delay. 0 for none. */
  retryJitter: number;
  /** A uniform random source in [0, 1), e.g. seeded per attempt for replay. */
  random: () => number;
}

/**
 * The delay (ms, an integer) before the next attempt after `attempt` failed:
 * - fixed: `retryDelayMs`;
 * - exponential: `retryDelayMs · 2^(attempt-1)` (1 s → 2 s → 4 s…);
 * then capped by `maxRetryDelayMs`, then spread by `(2·random() - 1) · retryJitter · delay`
 * (`random()` 0 ⇒ −jitter, 0.5 ⇒ none, →1 ⇒ +jitter), never below 0 and never above the cap.
 * `random` is called once, and only when `retryJitter > 0`.
 *
 * @throws RangeError on an attempt below 1, a negative delay or cap, or a jitter outside 0..1.
 */
export function retryDelayMs(input: RetryDelayInput): number {
  const { attempt, retryDelayMs: base, maxRetryDelayMs: cap, retryJitter: jitter } = input;
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`retryDelayMs: attempt must be an integer >= 1, got ${attempt}`);
  }
  if (!Number.isFinite(base) || base < 0) {
    throw new RangeError(`retryDelayMs: retryDelayMs must be a finite number >= 0, got ${base}`);
  }
  if (cap !== null && !(cap >= 0)) {
    throw new RangeError(`retryDelayMs: maxRetryDelayMs must be >= 0 or null, got ${cap}`);
  }
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`retryDelayMs: retryJitter must be within 0..1, got ${jitter}`);
  }

  const upper = Math.floor(cap ?? Number.MAX_SAFE_INTEGER);
  const grown = input.retryBackoff === 'exponential' ? base * 2 ** (attempt - 1) : base;
  const delay = Math.min(grown, upper);
  const spread = jitter === 0 ? 0 : (2 * input.random() - 1) * jitter * delay;
  return Math.min(upper, Math.max(0, Math.round(delay + spread)));
}
