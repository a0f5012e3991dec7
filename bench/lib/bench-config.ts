import { fileURLToPath } from 'node:url';
import { selectScenarios } from '../scenarios/index.js';
import type { Scenario } from '../scenarios/scenario.js';

export interface BenchConfig {
  scenarios: Scenario[];
  contenders: ('tributary' | 'bullmq')[];
  rounds: number;
  scale: number;
  outDir: string;
  budgetS: number;
}

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
};

/**
 * `npm run bench` settings from the environment:
 * BENCH_SCENARIOS (comma list, default all), BENCH_CONTENDERS (default tributary,bullmq),
 * BENCH_ROUNDS (3), BENCH_SCALE (1: full size; e.g. 0.1 for a quick run), BENCH_OUT (bench/),
 * BENCH_BUDGET_S (1380: no measurement starts past it, timeouts shrink to fit),
 * BENCH_HUGE_TIMEOUT_S (600), BENCH_REDIS_URL (redis://127.0.0.1:6379).
 */
export function benchConfigFromEnv(): BenchConfig {
  const contenders = (process.env.BENCH_CONTENDERS ?? 'tributary,bullmq').split(',').map((c) => c.trim());
  for (const c of contenders)
    if (c !== 'tributary' && c !== 'bullmq') throw new Error(`BENCH_CONTENDERS: unknown contender "${c}"`);
  return {
    scenarios: selectScenarios(process.env.BENCH_SCENARIOS),
    contenders: contenders as BenchConfig['contenders'],
    rounds: Math.round(positive('BENCH_ROUNDS', 3)),
    scale: positive('BENCH_SCALE', 1),
    outDir: process.env.BENCH_OUT ?? fileURLToPath(new URL('..', import.meta.url)),
    budgetS: positive('BENCH_BUDGET_S', 1380),
  };
}
