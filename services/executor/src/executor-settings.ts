import type { SecretsKeyring } from '@tributary/runtime';
import type { HandlerRegistry } from '@tributary/worker-sdk';

/** What a host runs with, resolved before the application starts. */
export interface ExecutorSettings {
  readonly registry: HandlerRegistry;
  /** Executor names served, each with a handler in `registry`. */
  readonly executors: readonly string[];
  /** Attempts running at once across all names. */
  readonly concurrency: number;
  readonly shutdownGraceMs: number;
  readonly heartbeatMs: number;
  /** Largest handler output (UTF-8 JSON bytes) a result carries: TRIBUTARY_MAX_OUTPUT_BYTES, default 256 KiB. */
  readonly maxOutputBytes: number;
  /** Decrypts the secrets attempts carry (TRIBUTARY_SECRETS_KEY); null or absent: none configured. */
  readonly secrets?: SecretsKeyring | null;
}

/** Counters since start. */
export interface ExecutorStats {
  dispatches: number;
  attempts: number;
  reported: number;
  handedBack: number;
  cancelled: number;
  /** Handlers still running after their attempt ended (they ignored the abort): each holds a slot. */
  outlived: number;
}
