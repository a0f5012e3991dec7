import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { waitFor } from '../support/free-port.js';
import { ThrowawayNats } from '../support/throwaway-nats.js';
import { ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { TributarySystem, type ExecutorHost } from '../support/tributary-system.js';
import { describeAction, perform, type ChaosAction } from './chaos-actions.js';
import { checkRun, checkSettled, type RunCheckReport } from './chaos-checks.js';
import type { ChaosConfig } from './chaos-config.js';
import { diagnose, saveEventLog, saveLogs } from './chaos-diagnosis.js';
import { CHAOS_PIPELINE_ID, chaosPipelineYaml, chaosRunParams, instancesPerRun } from './chaos-pipeline.js';
import {
  emptyReport,
  formatRunReport,
  formatSummary,
  type ChaosRunReport,
  type ChaosSummary,
} from './chaos-report.js';
import { Supervisor } from './chaos-supervisor.js';
import { SeededRandom } from './random.js';
import { sleep } from './sleep.js';

const HOSTS = (config: ChaosConfig): ExecutorHost[] => [
  {
    name: 'host-a',
    executors: ['list', 'flaky', 'noop'],
    concurrency: config.concurrency,
    replicas: config.replicas.executors,
  },
  {
    name: 'host-b',
    executors: ['sleep'],
    concurrency: config.concurrency,
    replicas: config.replicas.executors,
  },
];

/**
 * Issue #8's chaos suite: a system of its own (a throwaway Postgres cluster, a throwaway nats-server,
 * every service as separate processes with replicas) runs `config.runs` consecutive runs of the chaos
 * pipeline while the harness kill -9s and restarts every service in turn, restarts Postgres and NATS,
 * and (optionally) purges TASKS; after each run it checks the log, the audit and JetStream.
 */
export async function runChaos(config: ChaosConfig): Promise<ChaosSummary> {
  const { log } = config;
  mkdirSync(config.logDir, { recursive: true });
  const rng = new SeededRandom(config.seed);
  log(
    `chaos seed ${config.seed} (CHAOS_SEED=${config.seed} repeats this schedule); logs in ${config.logDir}`,
  );
  const startedAt = Date.now();
  const pg = await ThrowawayPostgres.create();
  const nats = await ThrowawayNats.create().catch(async (error: unknown) => {
    await pg.destroy();
    throw error;
  });
  let system: TributarySystem | null = null;
  const reports: ChaosRunReport[] = [];
  const supervisor = new Supervisor(config, log);
  try {
    const databaseUrl = await pg.createDatabase('tributary_chaos');
    log(`postgres on port ${pg.port} (${pg.dir}), nats on port ${nats.port} (${nats.dir})`);
    system = await TributarySystem.start({
      databaseUrl,
      natsUrl: nats.url,
      executorHosts: HOSTS(config),
      handlers: [],
      replicas: {
        planner: config.replicas.planner,
        fanIn: config.replicas.fanIn,
        consolidator: config.replicas.consolidator,
        api: config.replicas.api,
      },
      env: { TRIBUTARY_LOG_LEVEL: process.env.TRIBUTARY_LOG_LEVEL ?? '', ...config.env },
      // Twelve Node processes starting at once on two cores (maybe beside other test suites).
      startTimeoutMs: 120_000,
    });
    log(
      `system up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${system.processes.map((p) => p.name).join(', ')}`,
    );
    const apply = await system.applyPipeline(chaosPipelineYaml({ queuedTimeout: config.queuedTimeout }));
    log(
      `pipeline ${apply.id} v${apply.version} applied (queuedTimeout ${config.queuedTimeout ?? 'not set'})`,
    );
    supervisor.start(system);
    for (let index = 1; index <= config.runs; index += 1) {
      const report = await chaosRun(index, system, pg, nats, databaseUrl, rng, supervisor, config);
      reports.push(report);
      log(formatRunReport(report));
      if (report.stalled) {
        log(`run ${index} stalled: no further runs (the system is wedged; see ${config.logDir})`);
        break;
      }
    }
  } finally {
    supervisor.stop();
    if (system) {
      saveLogs(system, nats, join(config.logDir, 'final'));
      await system.stop().catch((e: unknown) => log(`stopping the system: ${String(e)}`));
    }
    await nats.destroy().catch(() => undefined);
    await pg.destroy().catch(() => undefined);
  }
  const summary: ChaosSummary = {
    seed: config.seed,
    runs: reports,
    totals: {
      kills: sum(reports, (r) => r.kills),
      restarts: sum(reports, (r) => r.restarts),
      postgresRestarts: sum(reports, (r) => r.postgresRestarts),
      natsRestarts: sum(reports, (r) => r.natsRestarts),
      purges: sum(reports, (r) => r.purges),
      instances: sum(reports, (r) => r.instances),
      duplicates: sum(reports, (r) => r.duplicates),
      failedRuns: reports.filter((r) => r.failures.length > 0).length,
      unexpectedExits: sum(reports, (r) => r.unexpectedExits.length),
    },
  };
  writeFileSync(join(config.logDir, 'summary.json'), JSON.stringify(summary, null, 2));
  log(formatSummary(summary, Date.now() - startedAt));
  return summary;
}

async function chaosRun(
  index: number,
  system: TributarySystem,
  pg: ThrowawayPostgres,
  nats: ThrowawayNats,
  databaseUrl: string,
  rng: SeededRandom,
  supervisor: Supervisor,
  config: ChaosConfig,
): Promise<ChaosRunReport> {
  const { log } = config;
  const runDir = join(config.logDir, `run-${index}`);
  mkdirSync(runDir, { recursive: true });
  const expectedInstances = instancesPerRun(config.groups, config.items);
  const sleeps = config.groups * config.items;
  const exitsBefore = supervisor.exits.length;
  const counts = {
    kills: 0,
    restarts: 0,
    postgresRestarts: 0,
    natsRestarts: 0,
    purges: 0,
    purgedMessages: 0,
  };

  // The schedule: every chosen process killed killRounds times (shuffled turns), the restarts and purge
  // at random places in between, each at a random point of the run's progress.
  const victims = config.kill === 'all' ? system.processes.map((p) => p.name) : [...config.kill];
  const actions: ChaosAction[] = [];
  for (let round = 0; round < config.killRounds; round += 1)
    actions.push(...rng.shuffle(victims).map((process): ChaosAction => ({ kind: 'kill', process })));
  const extras: ChaosAction[] = [];
  if (config.restartPostgres) extras.push({ kind: 'restart-postgres' });
  if (config.restartNats) extras.push({ kind: 'restart-nats' });
  if (config.purgeTasks) extras.push({ kind: 'purge-tasks' });
  for (const extra of extras) actions.splice(rng.int(0, actions.length), 0, extra);
  const [from, to] = config.window;
  const targets = actions.map(() => from + rng.next() * (to - from)).sort((a, b) => a - b);
  const schedule = actions.map((action, i) => ({ at: targets[i]!, action }));

  const params = chaosRunParams(config.groups, config.items, config.sleepMs);
  const runId = await trigger(system, params);
  log(
    `run ${index}: ${runId}, ${expectedInstances} instances, ${schedule.length} actions: ` +
      schedule.map((s) => `${(s.at * 100).toFixed(0)}% ${describeAction(s.action)}`).join(', '),
  );
  const started = Date.now();
  let next = 0;
  let lastSeq = -1;
  let lastChange = Date.now();
  let lastActionEnd = 0;
  let stalled = false;
  let timedOut = false;
  const actionTimes: { at: number; what: string }[] = [];
  for (;;) {
    const progress = await progressOf(system, runId).catch(() => null);
    const now = Date.now();
    if (progress) {
      if (progress.lastSeq !== lastSeq) {
        lastSeq = progress.lastSeq;
        lastChange = now;
      }
      if (['success', 'failed', 'cancelled'].includes(progress.state ?? '')) break;
    }
    if (now - lastChange > config.stallMs) {
      stalled = true;
      log(`run ${index}: STALLED — no new event for ${config.stallMs} ms (last run_seq ${lastSeq})`);
      break;
    }
    if (now - started > config.runTimeoutMs) {
      timedOut = true;
      log(`run ${index}: timed out after ${config.runTimeoutMs} ms`);
      break;
    }
    const due = schedule[next];
    if (due && progress && progress.done / sleeps >= due.at && now - lastActionEnd >= config.minGapMs) {
      next += 1;
      const t0 = Date.now();
      const line = await perform(due.action, { system, pg, nats, rng, supervisor, config, counts, runDir });
      actionTimes.push({ at: t0, what: line });
      log(
        `  [${((t0 - started) / 1000).toFixed(1)}s ${((progress.done / sleeps) * 100).toFixed(0)}%] ${line}`,
      );
      lastActionEnd = Date.now();
      // Time spent on the action is not the run's stall.
      lastChange = Math.max(lastChange, lastActionEnd - 1);
      continue;
    }
    await sleep(250);
  }
  const durationMs = Date.now() - started;
  const notFired = schedule.slice(next).map((s) => describeAction(s.action));
  if (notFired.length > 0 && !stalled && !timedOut)
    log(`run ${index}: finished before ${notFired.length} actions: ${notFired.join(', ')}`);

  let report: RunCheckReport;
  const failures: string[] = [];
  if (stalled || timedOut) {
    await diagnose(system, runId, config, runDir, nats);
    failures.push(
      stalled
        ? `stalled: no new event for ${config.stallMs} ms at run_seq ${lastSeq}`
        : `not finished within ${config.runTimeoutMs} ms`,
    );
    report = await checkRun(
      system.db,
      { runId, state: 'success', instances: expectedInstances },
      { databaseUrl, natsUrl: nats.url, prefix: system.prefix },
    ).catch((error: unknown) => emptyReport(runId, String(error)));
  } else {
    const settleStart = Date.now();
    failures.push(
      ...(await checkSettled(system.db, { natsUrl: nats.url, prefix: system.prefix }, config.settleMs)),
    );
    log(`run ${index}: outbox and consumers settled ${Date.now() - settleStart} ms after the run ended`);
    report = await checkRun(
      system.db,
      { runId, state: 'success', instances: expectedInstances },
      { databaseUrl, natsUrl: nats.url, prefix: system.prefix },
    );
    if (report.failures.length > 0 || failures.length > 0)
      await diagnose(system, runId, config, runDir, nats);
  }
  saveLogs(system, nats, runDir);
  await saveEventLog(system, runId, join(runDir, 'event-log.tsv')).catch((e: unknown) =>
    log(`  event log not saved: ${String(e)}`),
  );
  writeFileSync(
    join(runDir, 'actions.tsv'),
    actionTimes.map((a) => `${new Date(a.at).toISOString()}\t${a.what}`).join('\n') + '\n',
  );
  const exits = supervisor.exits.slice(exitsBefore);
  const unknown = exits.filter((e) => !e.known);
  if (unknown.length > 0)
    failures.push(`services exited on their own: ${unknown.map((e) => `${e.name} (${e.file})`).join(', ')}`);
  const unexpectedExits = exits.map((e) => `${e.name}${e.known ? ` [${e.known.note}]` : ''}`);
  const knownExits = exits.filter((e) => e.known).map((e) => `${e.name} [${e.known!.note}]`);
  return {
    ...report,
    failures: [...failures, ...report.failures],
    index,
    durationMs,
    ...counts,
    unexpectedExits,
    knownExits,
    notFired,
    stalled: stalled || timedOut,
  };
}

async function trigger(system: TributarySystem, params: unknown): Promise<string> {
  return waitFor(
    'a trigger to be accepted',
    async () => {
      for (const [name, api] of system.apis) {
        if (!system.process(name).running) continue;
        const response = await api.post(`/pipelines/${CHAOS_PIPELINE_ID}/runs`, { params }).catch(() => null);
        if (response?.status === 202) return response.body.runId as string;
      }
      return undefined;
    },
    30_000,
    500,
  );
}

async function progressOf(
  system: TributarySystem,
  runId: string,
): Promise<{ state: string | null; done: number; lastSeq: number }> {
  // Progress is the share of `work` (the sleeps, the run's long pole) that ended: the other stages end fast.
  const row = await sql<{ state: string | null; done: string; last_seq: number | null }>`
    SELECT (SELECT state FROM runs WHERE run_id = ${runId}) AS state,
           (SELECT count(*) FROM task_instances
             WHERE run_id = ${runId} AND task_id LIKE '%/work[%'
               AND state IN ('success', 'failed', 'skipped', 'upstream_failed')) AS done,
           (SELECT last_seq FROM run_streams WHERE run_id = ${runId}) AS last_seq`.execute(system.db);
  const r = row.rows[0]!;
  return { state: r.state, done: Number(r.done), lastSeq: Number(r.last_seq ?? 0) };
}

const sum = <T>(items: readonly T[], f: (item: T) => number) => items.reduce((n, item) => n + f(item), 0);
