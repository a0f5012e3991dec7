// Baseline (issue 4): one run of GROUPS groups × 3 chained `noop` stages + consolidation through the
// separate-process deployment (planner, fan-in, consolidator, api, 2 executor hosts), with the CPU
// split between the services, NATS and Postgres read from /proc.
// Run: npx nx run-many -t build && npx tsx --conditions=@tributary/source bench/wide-run.bench.ts
import { readdirSync, readFileSync } from 'node:fs';
import { TributarySystem } from '../test/support/tributary-system.js';

// WIDE_GROUPS, not GROUPS: bash keeps GROUPS for itself (the user's group ids) and ignores an assignment.
const GROUPS = Number(process.env.WIDE_GROUPS ?? 1000);

/** CPU seconds of every process whose command name is `name` (e.g. postgres, nats-server). */
function cpuOf(name: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== name) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      /* the process ended meanwhile */
    }
  }
  return total;
}

const pipeline = `
id: wide
params: { type: object, required: [shards], properties: { shards: { type: array } } }
limits: { maxActiveTasks: 100000 }
stages:
  - group: shard
    over: params.shards
    stages:
      - { id: a, executor: noop }
      - { id: b, executor: noop }
      - { id: c, executor: noop }
consolidate: { executor: noop, triggerRule: all_done }
`;

const system = await TributarySystem.start({
  executorHosts: [
    { name: 'executor-1', executors: ['noop'], concurrency: 256 },
    { name: 'executor-2', executors: ['noop'], concurrency: 256 },
  ],
  handlers: [],
});
try {
  await system.applyPipeline(pipeline);
  const cpu0 = new Map(system.processes.map((p) => [p.name, p.cpuSeconds()]));
  const pg0 = cpuOf('postgres');
  const nats0 = cpuOf('nats-server');
  const t0 = performance.now();
  const trigger = await system.api.post('/pipelines/wide/runs', {
    params: { shards: [...Array(GROUPS).keys()].map((i) => `s${i}`) },
  });
  if (trigger.status !== 202) throw new Error(JSON.stringify(trigger.body));
  const view = await system.waitForRun(trigger.body.runId, 600_000);
  const wall = (performance.now() - t0) / 1000;
  const tasks = view.tasks.length;
  console.log(
    `wide run: ${GROUPS} groups × 3 noop stages + consolidation = ${tasks} task instances, state ${view.run.state}`,
  );
  console.log(`wall time ${wall.toFixed(2)} s, ${(tasks / wall).toFixed(0)} task instances/s`);
  console.log('CPU seconds during the run:');
  for (const p of system.processes)
    console.log(`  ${p.name.padEnd(14)} ${(p.cpuSeconds() - (cpu0.get(p.name) ?? 0)).toFixed(2)}`);
  console.log(`  ${'postgres'.padEnd(14)} ${(cpuOf('postgres') - pg0).toFixed(2)}`);
  console.log(`  ${'nats-server'.padEnd(14)} ${(cpuOf('nats-server') - nats0).toFixed(2)}`);
  // Where the time goes: per stage, when its first and last instance was queued, started and done.
  const rows = await system.db
    .selectFrom('event_log')
    .select(['type', 'task_id', 'occurred_at', 'recorded_at'])
    .where('run_id', '=', trigger.body.runId)
    .orderBy('run_seq')
    .execute();
  const start = rows[0]!.occurred_at.getTime();
  const timeline = new Map<string, { first: number; last: number; lagMs: number; n: number }>();
  for (const row of rows) {
    const stage = row.task_id ? row.task_id.replace(/^shard=[^/]+\//, '') : '-';
    const key = `${stage.padEnd(12)} ${row.type}`;
    const at = row.occurred_at.getTime() - start;
    const entry = timeline.get(key) ?? { first: at, last: at, lagMs: 0, n: 0 };
    entry.first = Math.min(entry.first, at);
    entry.last = Math.max(entry.last, at);
    entry.lagMs += row.recorded_at.getTime() - row.occurred_at.getTime();
    entry.n += 1;
    timeline.set(key, entry);
  }
  console.log('timeline (ms after TriggerAccepted): first … last, mean commit lag');
  for (const [key, e] of timeline)
    if (e.n > 1 || key.startsWith('-'))
      console.log(
        `  ${key.padEnd(44)} ${String(e.first).padStart(6)} … ${String(e.last).padStart(6)}  lag ${(e.lagMs / e.n).toFixed(0)} ms  (${e.n})`,
      );
  if (process.env.TRIBUTARY_LOG_LEVEL === 'debug')
    console.log(
      system
        .process('planner')
        .log.split('\n')
        .filter((l) => l.includes('decision over'))
        .slice(0, 40)
        .join('\n'),
    );
} finally {
  await system.stop();
}
