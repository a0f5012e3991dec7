/** What a chaos run and a chaos session report, and how the harness prints it. */
import type { RunCheckReport } from './chaos-checks.js';

export interface ChaosRunReport extends RunCheckReport {
  index: number;
  durationMs: number;
  kills: number;
  restarts: number;
  postgresRestarts: number;
  natsRestarts: number;
  purges: number;
  purgedMessages: number;
  /** Services that exited without being killed (restarted by the harness, as a supervisor would). */
  unexpectedExits: string[];
  /** Of those, the ones matching a known (tolerated) crash. */
  knownExits: string[];
  /** Scheduled actions the run finished before. */
  notFired: string[];
  stalled: boolean;
}

export interface ChaosSummary {
  seed: number;
  runs: ChaosRunReport[];
  totals: {
    kills: number;
    restarts: number;
    postgresRestarts: number;
    natsRestarts: number;
    purges: number;
    instances: number;
    duplicates: number;
    failedRuns: number;
    unexpectedExits: number;
  };
}

export function emptyReport(runId: string, failure: string): RunCheckReport {
  return {
    runId,
    state: null,
    instances: 0,
    events: 0,
    attempts: 0,
    retries: 0,
    requeued: 0,
    duplicates: 0,
    failures: [`checks failed: ${failure}`],
  };
}

export function formatRunReport(r: ChaosRunReport): string {
  const head =
    `run ${r.index} ${r.runId}: ${r.state ?? '?'} in ${(r.durationMs / 1000).toFixed(1)} s — ` +
    `${r.instances} instances, ${r.attempts} attempts (${r.retries} retries, ${r.requeued} re-dispatched), ` +
    `${r.events} events; ${r.kills} kills, ${r.restarts} restarts, postgres ${r.postgresRestarts}, nats ${r.natsRestarts}, ` +
    `purges ${r.purges} (${r.purgedMessages} msgs); duplicates ${r.duplicates}` +
    (r.unexpectedExits.length > 0 ? `; exits on their own: ${r.unexpectedExits.join(', ')}` : '');
  return r.failures.length === 0
    ? `${head}; every check passed`
    : `${head}\n  FAILED:\n${r.failures.map((f) => `   - ${f}`).join('\n')}`;
}

export function formatSummary(s: ChaosSummary, elapsedMs: number): string {
  const t = s.totals;
  return (
    `chaos seed ${s.seed}: ${s.runs.length} runs in ${(elapsedMs / 1000).toFixed(0)} s, ${t.failedRuns} failed — ` +
    `${t.kills} kills, ${t.restarts} service restarts, ${t.postgresRestarts} postgres restarts, ` +
    `${t.natsRestarts} nats restarts, ${t.purges} purges, ${t.instances} instances, ${t.duplicates} duplicates found, ` +
    `${t.unexpectedExits} unexpected exits`
  );
}
