import { ConfigError, describeBytes, parseByteSize, wholeNumberVar, type Env } from '@tributary/runtime';
import { ApiError } from '../http/api-error.js';

/** Bounds of `GET /runs/:id/stream` (from the environment; README "Limits"). */
export interface StreamLimits {
  /** Open streams per token (`TRIBUTARY_SSE_MAX_PER_TOKEN`). */
  perToken: number;
  /** Open streams in all, on this api process (`TRIBUTARY_SSE_MAX_TOTAL`). */
  total: number;
  /** Bytes a stream may have written and not yet sent to its client; over it the client is dropped (`TRIBUTARY_SSE_MAX_BUFFER`). */
  maxBufferedBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  perToken: 16,
  total: 512,
  maxBufferedBytes: 1024 * 1024,
};

/** The stream bounds from the environment; a ConfigError naming the variable for a bad value. */
export function loadStreamLimits(env: Env = process.env): StreamLimits {
  return {
    perToken: wholeNumberVar(env, 'TRIBUTARY_SSE_MAX_PER_TOKEN', DEFAULT_STREAM_LIMITS.perToken),
    total: wholeNumberVar(env, 'TRIBUTARY_SSE_MAX_TOTAL', DEFAULT_STREAM_LIMITS.total),
    maxBufferedBytes: bytes(env, 'TRIBUTARY_SSE_MAX_BUFFER', DEFAULT_STREAM_LIMITS.maxBufferedBytes),
  };
}

function bytes(env: Env, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value.trim() === '') return fallback;
  const n = parseByteSize(value);
  if (n === null || n < 4096)
    throw new ConfigError(
      `${name}: expected a size of at least 4096 bytes (e.g. 65536, 256KiB, 1MiB), got "${value}"`,
    );
  return n;
}

/**
 * Who holds how many open streams. `acquire` answers 429 naming the bound that is reached; the
 * returned release is idempotent (a stream closes once, however many paths lead there).
 */
export class StreamSlots {
  private readonly byToken = new Map<string, number>();
  private open = 0;

  constructor(readonly limits: StreamLimits) {}

  get size(): number {
    return this.open;
  }

  acquire(token: string): () => void {
    if (this.open >= this.limits.total) {
      throw new ApiError(
        429,
        'too_many_streams',
        `this api already serves ${this.open} run streams, its limit (TRIBUTARY_SSE_MAX_TOTAL=${this.limits.total}); try again later or poll GET /runs/:id`,
      );
    }
    const held = this.byToken.get(token) ?? 0;
    if (held >= this.limits.perToken) {
      throw new ApiError(
        429,
        'too_many_streams',
        `this token already has ${held} open run streams, the limit per token (TRIBUTARY_SSE_MAX_PER_TOKEN=${this.limits.perToken}); close one first`,
      );
    }
    this.byToken.set(token, held + 1);
    this.open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open -= 1;
      const left = (this.byToken.get(token) ?? 1) - 1;
      if (left === 0) this.byToken.delete(token);
      else this.byToken.set(token, left);
    };
  }
}

/** Why a slow client is dropped, for the log. */
export function slowClientReason(buffered: number, limits: StreamLimits): string {
  return `${describeBytes(buffered)} written and not read by the client, over TRIBUTARY_SSE_MAX_BUFFER (${describeBytes(limits.maxBufferedBytes)})`;
}
