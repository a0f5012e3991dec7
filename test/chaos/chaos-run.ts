import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { waitFor } from '../support/free-port.js';
import { ThrowawayNats } from '../support/throwaway-nats.js';
import { ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { TributarySystem, type ExecutorHost } from '../support/tributary-system.js';
import { checkRun, checkSettled, consumerStates, histogram, type RunCheckReport } from './chaos-checks.js';
import { CHAOS_PIPELINE_ID, chaosPipelineYaml, chaosRunParams, instancesPerRun } from './chaos-pipeline.js';
import { SeededRandom } from './random.js';

/** What a chaos session does. */
export interface ChaosConfig {
  seed: number;
  /** Consecutive runs on the same system. */
  runs: number;
  /** Shard groups per run, and items mapped in each (instances = groups × (2 × items + 2) + 1). */
  groups: number;
  items: number;
  /** Each `work` instance sleeps between sleepMs and 2 × sleepMs. */
  sleepMs: number;
  /** Processes per service; executor hosts `host-a` (list, flaky, noop) and `host-b` (sleep). */
  replicas: { planner: number; fanIn: number; consolidator: number; api: number; executors: number };
  /** Attempts at once per executor host process. */
  concurrency: number;
  /** Processes to kill -9 (by name; `all`: every process), each this many times per run, in shuffled turns. */
  kill: 'all' | readonly string[];
  killRounds: number;
  /** A Postgres restart (`stop -m immediate`, back `postgresDownMs` later) per run. */
  restartPostgres: boolean;
  postgresDownMs: number;
  /** A NATS restart (SIGKILL, same store) per run. */
  restartNats: boolean;
  /** Purge the TASKS stream once per run (meaningful once the planner re-dispatches after queuedTimeout). */
  purgeTasks: boolean;
  /** `defaults.queuedTimeout` of the chaos pipeline; null leaves it out. */
  queuedTimeout: string | null;
  /** Actions fire at random points of the run's progress (the share of its sleeps that ended) within this window. */
  window: readonly [number, number];
  /** At least this long between two actions. */
  minGapMs: number;
  /** No new event in the run's log for this long: the run is stalled. */
  stallMs: number;
  runTimeoutMs: number;
  /** How long the outbox and the consumers may take to settle after a run. */
  settleMs: number;
  /** Service logs, diagnostics and the summary go here. */
  logDir: string;
  /** Restart services that exit on their own (as a process supervisor would); off: they stay down. */
  supervise: boolean;
  /**
   * Exits whose log matches one of these are reported but do not fail the run (bugs already reported,
   * fixed elsewhere): empty for the long version, which fails on every exit.
   */
  knownExits: readonly KnownExit[];
  /** Extra environment for every service. */
  env?: Record<string, string>;
  log: (line: string) => void;
}

/** A crash already reported and fixed elsewhere (see the chaos README): tolerated where configured. */
export interface KnownExit {
  pattern: RegExp;
  note: string;
}

/**
 * A service that lost its Postgres connection while a query or transaction held a pooled client crashed
 * on pg's unhandled 'error' event (createDb listened on the pool only; fixed in 9c5b955). For runs
 * against older code (CHAOS_TOLERATE_KNOWN=1).
 */
export const PG_CLIENT_ERROR_CRASH: KnownExit = {
  pattern: /Unhandled 'error' event[\s\S]*Emitted 'error' event on Client instance/,
  note: 'pg client error on a checked-out connection (createDb: no client error listener)',
};

/** A service started while Postgres is down exits at once (connectInfrastructure does not retry). */
export const START_WITHOUT_POSTGRES: KnownExit = {
  pattern:
    /failed to start: (Error: connect ECONNREFUSED|error: the database system is (starting up|not yet accepting connections|shutting down|in recovery mode))/,
  note: 'started while Postgres was down (the harness restarts it, as a supervisor would)',
};

export type ChaosAction =
  | { kind: 'kill'; process: string }
  | { kind: 'restart-postgres' }
  | { kind: 'restart-nats' }
  | { kind: 'purge-tasks' };

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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** Restarts services that exited without being killed, as a process supervisor would, and counts them. */
class Supervisor {
  /** Processes the harness is killing or restarting right now: not the supervisor's business. */
  readonly down = new Set<string>();
  readonly exits: { name: string; file: string; known: KnownExit | null }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly seen = new WeakSet<object>();

  constructor(
    private readonly config: ChaosConfig,
    private readonly log: (line: string) => void,
  ) {}

  start(system: TributarySystem): void {
    this.timer = setInterval(() => {
      for (const p of system.processes) {
        if (p.running || this.down.has(p.name) || this.seen.has(p)) continue;
        this.seen.add(p);
        const file = join(this.config.logDir, `exit-${p.name}-${Date.now()}.log`);
        writeFileSync(file, p.log);
        const known = this.config.knownExits.find((k) => k.pattern.test(p.log)) ?? null;
        this.exits.push({ name: p.name, file, known });
        const why = known ? ` (known: ${known.note})` : '';
        if (!this.config.supervise) {
          this.log(`  ! ${p.name} exited on its own${why} (log: ${file}); left down (CHAOS_SUPERVISE=0)`);
          continue;
        }
        this.log(`  ! ${p.name} exited on its own${why} (log: ${file}); restarting it`);
        system.restart(p.name);
      }
    }, 300);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
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

interface ActionContext {
  system: TributarySystem;
  pg: ThrowawayPostgres;
  nats: ThrowawayNats;
  rng: SeededRandom;
  supervisor: Supervisor;
  config: ChaosConfig;
  counts: {
    kills: number;
    restarts: number;
    postgresRestarts: number;
    natsRestarts: number;
    purges: number;
    purgedMessages: number;
  };
  runDir: string;
}

async function perform(action: ChaosAction, ctx: ActionContext): Promise<string> {
  const { system, rng, supervisor, counts } = ctx;
  switch (action.kind) {
    case 'kill': {
      const name = action.process;
      supervisor.down.add(name);
      try {
        const old = system.process(name);
        await system.kill(name);
        counts.kills += 1;
        writeFileSync(join(ctx.runDir, `killed-${name}-${counts.kills}.log`), old.log);
        const downMs = rng.int(200, 2500);
        await sleep(downMs);
        const fresh = system.restart(name);
        counts.restarts += 1;
        const t0 = Date.now();
        const ready = await waitReady(system, name, 20_000);
        return `kill -9 ${name} (pid ${old.pid}), down ${downMs} ms, restarted (pid ${fresh.pid}) ${
          ready ? `ready in ${Date.now() - t0} ms` : 'NOT ready within 20 s'
        }`;
      } finally {
        supervisor.down.delete(name);
      }
    }
    case 'restart-postgres': {
      await ctx.pg.stop('immediate');
      await sleep(ctx.config.postgresDownMs);
      await ctx.pg.start();
      counts.postgresRestarts += 1;
      return `postgres stopped (-m immediate), started again ${ctx.config.postgresDownMs} ms later`;
    }
    case 'restart-nats': {
      await ctx.nats.stop('SIGKILL');
      const downMs = rng.int(1000, 3000);
      await sleep(downMs);
      await ctx.nats.start();
      counts.natsRestarts += 1;
      return `nats-server killed (-9), started again with its store ${downMs} ms later`;
    }
    case 'purge-tasks': {
      const nc = await connect({ servers: ctx.nats.url, reconnect: false, timeout: 3000 });
      try {
        const jsm = await jetstreamManager(nc);
        const stream = `${system.prefix.toUpperCase()}_TASKS`;
        const { purged } = await jsm.streams.purge(stream);
        counts.purges += 1;
        counts.purgedMessages += purged;
        return `purged ${stream}: ${purged} dispatch messages gone`;
      } finally {
        await nc.close();
      }
    }
  }
}

/** A restarted service is ready once it logs so (the api: once /healthz answers). */
async function waitReady(system: TributarySystem, name: string, timeoutMs: number): Promise<boolean> {
  const api = system.apis.get(name);
  const pattern = name.startsWith('planner')
    ? /planner ready/
    : name.startsWith('fan-in')
      ? /fan-in ready/
      : name.startsWith('consolidator')
        ? /consolidator ready/
        : /executor host .* ready/;
  try {
    await waitFor(
      `${name} to be ready`,
      async () => {
        if (api) return (await api.request('GET', '/healthz', undefined, { token: null })).status === 200;
        return pattern.test(system.process(name).log);
      },
      timeoutMs,
      100,
    );
    return true;
  } catch {
    return false;
  }
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

/** What a stalled or failed run looks like: projections, the fan-in's row, outbox, consumers; into diagnosis.txt. */
async function diagnose(
  system: TributarySystem,
  runId: string,
  config: ChaosConfig,
  runDir: string,
  nats: ThrowawayNats,
): Promise<void> {
  const lines: string[] = [`run ${runId}`];
  const attempt = async (what: string, fn: () => Promise<string>) => {
    try {
      lines.push(`${what}: ${await fn()}`);
    } catch (error) {
      lines.push(`${what}: (failed: ${String(error)})`);
    }
  };
  await attempt('run', async () =>
    JSON.stringify(
      await system.db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    ),
  );
  await attempt('head', async () =>
    JSON.stringify(
      await system.db.selectFrom('run_streams').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    ),
  );
  await attempt('task states', async () => {
    const rows = await system.db
      .selectFrom('task_instances')
      .select(['stage', 'state'])
      .where('run_id', '=', runId)
      .execute();
    return `${rows.length} rows: ${histogram(rows.map((r) => `${r.stage}:${r.state}`))}`;
  });
  await attempt('not terminal (first 20)', async () =>
    JSON.stringify(
      await system.db
        .selectFrom('task_instances')
        .select(['task_id', 'state', 'attempt', 'queued_at', 'started_at', 'next_retry_at'])
        .where('run_id', '=', runId)
        .where('state', 'not in', ['success', 'failed', 'skipped', 'upstream_failed'])
        .limit(20)
        .execute(),
    ),
  );
  await attempt('groups', async () => {
    const rows = await system.db.selectFrom('groups').select(['state']).where('run_id', '=', runId).execute();
    return histogram(rows.map((r) => r.state));
  });
  await attempt('fan_in_runs', async () =>
    JSON.stringify(
      await system.db.selectFrom('fan_in_runs').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    ),
  );
  await attempt('event types', async () => {
    const rows = await system.db
      .selectFrom('event_log')
      .select(['type'])
      .where('run_id', '=', runId)
      .execute();
    return histogram(rows.map((r) => r.type));
  });
  await attempt('last 30 events', async () =>
    (
      await system.db
        .selectFrom('event_log')
        .select(['run_seq', 'type', 'task_id', 'attempt', 'recorded_at'])
        .where('run_id', '=', runId)
        .orderBy('run_seq', 'desc')
        .limit(30)
        .execute()
    )
      .reverse()
      .map(
        (e) =>
          `\n  ${e.run_seq} ${e.recorded_at.toISOString()} ${e.type} ${e.task_id ?? ''}#${e.attempt ?? ''}`,
      )
      .join(''),
  );
  await attempt('outbox unpublished', async () => {
    const rows = await system.db
      .selectFrom('outbox')
      .select(['subject', 'created_at'])
      .where('published_at', 'is', null)
      .orderBy('id')
      .limit(20)
      .execute();
    return `${rows.length}${rows.map((r) => `\n  ${r.created_at.toISOString()} ${r.subject}`).join('')}`;
  });
  await attempt('consumers', async () =>
    (await consumerStates(nats.url, system.prefix)).map((c) => `\n  ${c.describe}`).join(''),
  );
  await attempt('processes', async () =>
    system.processes.map((p) => `${p.name}:${p.running ? `up pid ${p.pid}` : 'down'}`).join(', '),
  );
  writeFileSync(join(runDir, 'diagnosis.txt'), `${lines.join('\n')}\n`);
  config.log(`  diagnosis: ${join(runDir, 'diagnosis.txt')}\n${lines.map((l) => `    ${l}`).join('\n')}`);
}

/** The run's log, one event a line (run_seq, recorded and occurred times, type, task, attempt, actor), for later study. */
async function saveEventLog(system: TributarySystem, runId: string, file: string): Promise<void> {
  const rows = await system.db
    .selectFrom('event_log')
    .select(['run_seq', 'recorded_at', 'occurred_at', 'type', 'task_id', 'attempt', 'actor', 'payload'])
    .where('run_id', '=', runId)
    .orderBy('run_seq')
    .execute();
  const lines = rows.map((r) =>
    [
      r.run_seq,
      r.recorded_at.toISOString(),
      r.occurred_at.toISOString(),
      r.type,
      r.task_id ?? '',
      r.attempt ?? '',
      r.actor ?? '',
      detailOf(r.payload),
    ].join('\t'),
  );
  writeFileSync(
    file,
    `run_seq\trecorded_at\toccurred_at\ttype\ttask_id\tattempt\tactor\tdetail\n${lines.join('\n')}\n`,
  );
}

/** An event's error (`type: message`), reason or host, on one line. */
function detailOf(payload: unknown): string {
  const p = (payload ?? {}) as {
    error?: { type?: string; message?: string };
    reason?: string;
    host?: string;
  };
  const text = p.error ? `${p.error.type}: ${p.error.message}` : (p.reason ?? p.host ?? '');
  return String(text).replace(/\s+/g, ' ').slice(0, 300);
}

function saveLogs(system: TributarySystem, nats: ThrowawayNats, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const p of system.processes) writeFileSync(join(dir, `${p.name}.log`), p.log);
  writeFileSync(join(dir, 'nats-server.log'), nats.log);
}

function emptyReport(runId: string, failure: string): RunCheckReport {
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

function describeAction(action: ChaosAction): string {
  return action.kind === 'kill' ? `kill ${action.process}` : action.kind;
}

const sum = <T>(items: readonly T[], f: (item: T) => number) => items.reduce((n, item) => n + f(item), 0);

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
