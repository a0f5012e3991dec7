// Domain micro-benchmark (issue 3): a run of 10 groups × 10 000 mapped instances (100 000 task instances).
// Reports time and heap to plan + expand, then events decided per second when feeding success results
// one by one, against a baseline of folding the same events with evolve alone.
// Run: npm run build && node --expose-gc --import tsx bench/domain-decide.bench.ts (measures libs/domain/dist)
import {
  compilePlan,
  decide,
  evolve,
  initialRunState,
  parsePipelineSpec,
  type RunEvent,
  type RunState,
} from '@tributary/domain';

const GROUPS = Number(process.env.GROUPS ?? 10);
const WIDTH = Number(process.env.WIDTH ?? 10_000);
const REPEATS = Number(process.env.REPEATS ?? 3);

const spec = parsePipelineSpec(
  {
    id: 'wide',
    params: { type: 'object', properties: { shards: { type: 'array' } } },
    limits: { maxMapLength: WIDTH },
    stages: [
      {
        group: 'shard',
        over: 'params.shards',
        stages: [
          { id: 'list', executor: 'list' },
          { id: 'work', executor: 'noop', map: 'upstream.list' },
          { id: 'reduce', executor: 'noop' },
        ],
      },
    ],
    consolidate: { executor: 'noop', triggerRule: 'all_done' },
  },
  'json',
);
if (!spec.ok) throw new Error(JSON.stringify(spec.issues));
const plan = compilePlan(spec.spec);
const items = [...Array(WIDTH).keys()];
let now = 1_700_000_000_000;
const ctx = () => ({ now: ++now, random: () => 0.5 });

function heapMiB(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function oneRun() {
  const heapBefore = heapMiB();
  const state: RunState = initialRunState(plan);
  const events: RunEvent[] = [];
  const send = (command: Parameters<typeof decide>[1]) => {
    const d = decide(state, command, ctx());
    for (const e of d.events) events.push(e);
    return d;
  };
  const t0 = performance.now();
  send({
    type: 'StartRun',
    runId: 'r',
    pipelineId: 'wide',
    version: 1,
    params: { shards: [...Array(GROUPS).keys()].map((i) => `s${i}`) },
    idempotencyKey: null,
    actor: 'bench',
  });
  for (const d of send({ type: 'DispatchTasks', runId: 'r', taskIds: [...state.scheduled] }).dispatches) {
    send({
      type: 'RecordTaskResult',
      runId: 'r',
      taskId: d.taskId,
      attempt: d.attempt,
      outcome: 'success',
      output: items,
    });
  }
  const expandMs = performance.now() - t0;
  const heapAfterExpand = heapMiB();
  const instances = state.tasks.size;

  // Feed success results one by one: dispatch everything scheduled, then answer each attempt alone.
  const eventsBefore = events.length;
  const t1 = performance.now();
  const dispatched = send({ type: 'DispatchTasks', runId: 'r', taskIds: [...state.scheduled] }).dispatches;
  for (const d of dispatched)
    send({
      type: 'RecordTaskResult',
      runId: 'r',
      taskId: d.taskId,
      attempt: d.attempt,
      outcome: 'success',
      output: null,
    });
  while (state.scheduled.size > 0) {
    for (const d of send({ type: 'DispatchTasks', runId: 'r', taskIds: [...state.scheduled] }).dispatches) {
      send({
        type: 'RecordTaskResult',
        runId: 'r',
        taskId: d.taskId,
        attempt: d.attempt,
        outcome: 'success',
        output: null,
      });
    }
  }
  const feedMs = performance.now() - t1;
  const decided = events.length - eventsBefore;

  // Baseline: fold every event of the run with evolve alone (what replay costs).
  const t2 = performance.now();
  const replay = events.reduce(evolve, initialRunState(plan));
  const replayMs = performance.now() - t2;
  if (replay.run.status !== state.run.status || state.run.status !== 'success')
    throw new Error(`run ended ${state.run.status}`);
  return {
    instances,
    expandMs,
    bytesPerInstance: ((heapAfterExpand - heapBefore) * 2 ** 20) / instances,
    decidedPerSec: decided / (feedMs / 1000),
    replayPerSec: events.length / (replayMs / 1000),
    events: events.length,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs = Array.from({ length: REPEATS }, oneRun);
const row = (name: string, pick: (r: ReturnType<typeof oneRun>) => number, unit: string, digits = 0) =>
  console.log(`${name.padEnd(40)} ${median(runs.map(pick)).toFixed(digits).padStart(12)} ${unit}`);
console.log(
  `domain decide: ${GROUPS} groups × ${WIDTH} mapped instances, median of ${REPEATS} (node ${process.version})`,
);
row('task instances', (r) => r.instances, '');
row('events per run', (r) => r.events, '');
row('plan + expand (wall)', (r) => r.expandMs, 'ms', 1);
row('heap per task instance after expand', (r) => r.bytesPerInstance, 'bytes');
row('events decided/s (results one by one)', (r) => r.decidedPerSec, 'events/s');
row('baseline: events folded/s (evolve only)', (r) => r.replayPerSec, 'events/s');
console.log(
  `ratio decide/evolve-only: ${(median(runs.map((r) => r.decidedPerSec)) / median(runs.map((r) => r.replayPerSec))).toFixed(2)}`,
);
