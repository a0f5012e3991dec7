import { bullmq } from './contenders/bullmq.js';
import type { Contender, ContenderName } from './contenders/contender.js';
import { tributary } from './contenders/tributary.js';
import { machineInfo } from './lib/machine.js';
import { loadavg } from 'node:os';
import { summarize, writeReport, type BenchResults } from './report.js';
import { runBench, type RunnerOptions } from './runner.js';

const CONTENDERS: Record<ContenderName, Contender> = { tributary, bullmq };

export interface BenchmarkOptions extends Omit<RunnerOptions, 'contenders' | 'deadline'> {
  contenders: ContenderName[];
  budgetS: number;
  /** Where RESULTS.md and results.json go. */
  outDir: string;
}

/** Runs the scenarios, then writes RESULTS.md and results.json; returns the results and their files. */
export async function benchmark(
  options: BenchmarkOptions,
): Promise<{ results: BenchResults; files: { markdown: string; json: string } }> {
  const started = Date.now();
  const machine = await machineInfo();
  options.log(
    `bench: ${options.scenarios.map((s) => s.name).join(', ')}; ${options.rounds} rounds; size ${options.size === 'smoke' ? 'smoke' : `scale ${options.size.scale}`}; ` +
      `${machine.cores} cores, load ${machine.loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const outcomes = await runBench({
    ...options,
    contenders: options.contenders.map((name) => CONTENDERS[name]),
    deadline: started + options.budgetS * 1000,
  });
  machine.loadAtEnd = loadavg();
  const finished = Date.now();
  const results = summarize(outcomes, {
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    wallSeconds: (finished - started) / 1000,
    config: {
      rounds: options.rounds,
      size: options.size === 'smoke' ? 'smoke' : `scale ${options.size.scale}`,
      scenarios: options.scenarios.map((s) => s.name),
      sessions: options.sessions,
      warmup: options.warmup,
    },
    machine,
  });
  return { results, files: writeReport(options.outDir, results) };
}

/** Problems that make the run's figures incomplete: failed verifications, timeouts, skips. */
export function problemsOf(results: BenchResults): string[] {
  return results.scenarios.flatMap((s) =>
    Object.entries(s.contenders).flatMap(([name, c]) => [
      ...c.errors.map((e) => `${s.name} ${name}: ${e}`),
      ...(c.timedOut ? [`${s.name} ${name}: timed out after ${c.timedOut.afterS} s`] : []),
      ...(c.skipped ? [`${s.name} ${name}: skipped (${c.skipped})`] : []),
    ]),
  );
}
