/**
 * What a consumer handler decided about a message:
 * `ack` — done, never deliver again;
 * `nak` — deliver again after `delayMs` (immediately when absent);
 * `term` — never deliver again and record it as poison (see `onPoison`).
 */
export type Outcome =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nak'; readonly delayMs?: number }
  | { readonly kind: 'term'; readonly reason: string };

const ACK: Outcome = Object.freeze({ kind: 'ack' });

/** Constructors for {@link Outcome}. */
export const Outcome = {
  ack: (): Outcome => ACK,
  nak: (delayMs?: number): Outcome => (delayMs === undefined ? { kind: 'nak' } : { kind: 'nak', delayMs }),
  term: (reason: string): Outcome => ({ kind: 'term', reason }),
} as const;
