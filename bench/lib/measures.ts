import type { Execution } from '../contenders/contender.js';
import { percentile } from './stats.js';

/** First trigger → last completion, in seconds. */
export function wallSeconds(execution: Execution): number {
  return (execution.completedAt - execution.startedAt) / 1000;
}

/** Task instances per second of wall time. */
export function taskInstancesPerSecond(execution: Execution): number {
  return execution.taskInstances / wallSeconds(execution);
}

/** The median fan-in latency of the execution's runs (last group done → consolidation started), ms. */
export function fanInMs(execution: Execution): number {
  return percentile(execution.fanInLatenciesMs, 50);
}

/** Each run's trigger → completion, seconds. */
export function runLatenciesSeconds(execution: Execution): number[] {
  return execution.runs.map((r) => (r.completedAt - r.triggeredAt) / 1000);
}

/** At least 1, `n × scale` rounded. */
export function scaled(n: number, scale: number): number {
  return Math.max(1, Math.round(n * scale));
}
