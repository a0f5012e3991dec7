import type { Workload } from '../lib/workload.js';

export type ContenderName = 'tributary' | 'bullmq';

/** How much work each contender may run at once: `hosts` executor hosts (BullMQ workers) × `concurrency`. */
export interface ContenderSetup {
  hosts: number;
  concurrencyPerHost: number;
}

export interface ExecuteOptions {
  /** Give up after this long (the session is unusable afterwards: close it). */
  timeoutMs: number;
  /** Also measure the latency of every hop between chained stages (from the engine's own timestamps). */
  hops?: boolean;
  /** Also read the peak RSS of the contender's processes. */
  memory?: boolean;
  /** Also measure the run from outside while it runs and once it finished (Tributary only: its HTTP api). */
  watch?: RunWatcher;
}

/** The run a watcher looks at: the api serving it and a token that may read it (an admin's). */
export interface WatchedRun {
  apiUrl: string;
  token: string;
  runId: string;
}

/** Figures a watcher measured, folded into the scenario's sample. */
export interface WatchFigures {
  details: Record<string, number>;
  distributions: Record<string, number[]>;
  /** What could not be measured and why (e.g. no web UI to open), for the report. */
  notes: string[];
}

/** Measures a run from outside — what a user of the api or the web UI would see — while it runs and after. */
export interface RunWatcher {
  /** Runs from the trigger until `finished` resolves (the run reached a final state), then returns. */
  whileRunning(run: WatchedRun, finished: Promise<void>): Promise<void>;
  /** Once the run finished and was verified. */
  afterwards(run: WatchedRun): Promise<void>;
  figures(): WatchFigures;
}

/** One run of a workload's runs: when the bench triggered it and when the engine recorded it complete (epoch ms). */
export interface RunTiming {
  triggeredAt: number;
  completedAt: number;
}

export interface PeakRss {
  process: string;
  bytes: number;
}

/** A verified execution of a workload: every figure of the report is computed from one of these. */
export interface Execution {
  /** Epoch ms just before the first trigger. */
  startedAt: number;
  /** Epoch ms of the last run's completion, as the engine recorded it. */
  completedAt: number;
  /** Task instances (handler invocations), verified to equal the workload's count. */
  taskInstances: number;
  runs: RunTiming[];
  /** Upstream finished → downstream handler started, one per hop between chained stages (when asked). */
  hopLatenciesMs?: number[];
  /** Last group finished → consolidation handler started, one per run. */
  fanInLatenciesMs: number[];
  peakRss?: PeakRss[];
  /** The checks that passed, for the report. */
  verification: string[];
  /** What the watcher measured (when asked). */
  watched?: WatchFigures;
}

/** A running contender, ready to execute workloads one after the other. */
export interface ContenderSession {
  /** Runs the workload, waits for every run, verifies it (throws VerificationError), measures. */
  execute(workload: Workload, options: ExecuteOptions): Promise<Execution>;
  close(): Promise<void>;
}

export interface Contender {
  name: ContenderName;
  label: string;
  open(setup: ContenderSetup): Promise<ContenderSession>;
}

/** A run whose log or jobs do not show exactly the expected work: its figures must not be reported. */
export class VerificationError extends Error {
  override name = 'VerificationError';
}

/** A workload that did not finish in time; carries what could still be measured. */
export class BenchTimeoutError extends Error {
  override name = 'BenchTimeoutError';
  constructor(
    message: string,
    readonly elapsedMs: number,
    readonly peakRss?: PeakRss[],
  ) {
    super(message);
  }
}
