import type { ContenderSetup, Execution, RunWatcher } from '../contenders/contender.js';
import type { Workload } from '../lib/workload.js';

/** The figure a scenario is judged by. */
export interface Metric {
  name: string;
  unit: string;
  better: 'higher' | 'lower';
  digits: number;
}

/** A secondary figure shown next to the metric (a key of Sample.details). */
export interface Detail {
  key: string;
  label: string;
  digits: number;
}

/** What one verified execution gives: the metric's value and secondary figures. */
export interface Sample {
  value: number;
  details: Record<string, number>;
  /** Raw latencies pooled over every sample for percentiles (e.g. every hop of every run). */
  distributions?: Record<string, number[]>;
  /** Targets this sample missed that count as failures (a FAILED line, a non-zero exit), its figures kept. */
  failures?: string[];
  /** What this sample could not measure and why, for the report. */
  notes?: string[];
}

/** Medians of both contenders' metric (undefined when a contender produced no verified figure). */
export interface TargetInput {
  tributary?: number;
  bullmq?: number;
  /** Tributary's medians of the scenario's secondary figures. */
  tributaryDetails?: Record<string, number>;
  /** Tributary's percentiles over every sample's raw latencies together (e.g. `hop_ms`). */
  tributaryPooled?: Record<string, { p50: number; p99: number }>;
  /** Tributary's metric median of every scenario of this bench run, by scenario name. */
  tributaryByScenario?: Record<string, number | undefined>;
}

export interface Target {
  /** E.g. "≥ BullMQ" or "≤ 11.5 s". */
  text: string;
  /** Where it comes from, for the report. */
  source: string;
  /** undefined: cannot be judged (a figure is missing). */
  met(medians: TargetInput): boolean | undefined;
}

/**
 * One benchmark scenario: the same workload for every contender, how to size it (full, scaled or
 * smoke), and how an execution becomes a figure.
 */
export interface Scenario<P = any> {
  name: string;
  title: string;
  /** One round only; runs after the other scenarios' rounds. */
  once?: boolean;
  /** Full size times `scale` (BENCH_SCALE). */
  params(scale: number): P;
  /** Seconds-long size for the smoke test. */
  smoke: P;
  setup(params: P): ContenderSetup;
  workload(params: P): Workload;
  /** A small run on the same session before measuring (null: none). */
  warmup(params: P): Workload | null;
  /** Measured executions per round. */
  repetitions(params: P): number;
  timeoutMs(params: P): number;
  measureHops?: boolean;
  measureMemory?: boolean;
  /** A fresh watcher for each measured execution: figures taken from outside while the run runs. */
  watcher?(params: P): RunWatcher;
  /** Only Tributary runs it; why BullMQ has no equivalent, for the report. */
  tributaryOnly?: string;
  metric: Metric;
  details: Detail[];
  measure(params: P, execution: Execution): Sample;
  target(params: P): Target;
}

/** The usual target: do at least as well as BullMQ on the scenario's metric. */
export function parityWithBullmq(metric: Metric): Target {
  return {
    text: metric.better === 'higher' ? '≥ BullMQ' : '≤ BullMQ',
    source: 'parity with BullMQ (bench/scenarios)',
    met: ({ tributary, bullmq }) =>
      tributary === undefined || bullmq === undefined
        ? undefined
        : metric.better === 'higher'
          ? tributary >= bullmq
          : tributary <= bullmq,
  };
}

/** Every condition must hold; undefined when one cannot be judged and none failed. */
export function allOf(...results: (boolean | undefined)[]): boolean | undefined {
  if (results.some((r) => r === false)) return false;
  return results.some((r) => r === undefined) ? undefined : true;
}

/**
 * Issue #7's throughput target: at least `floor` of the metric and at least `times` × BullMQ in the same
 * run.
 */
export function throughputTarget(floor: number, times: number, unit: string): Target {
  return {
    text: `≥ ${floor.toLocaleString('en-US')} ${unit} and ≥ ${times}× BullMQ`,
    source: 'issue #7',
    met: ({ tributary, bullmq }) =>
      allOf(
        tributary === undefined ? undefined : tributary >= floor,
        tributary === undefined || bullmq === undefined ? undefined : tributary >= times * bullmq,
      ),
  };
}
