import { randomBytes } from 'node:crypto';
import { FlowProducer, Queue, Worker, type Job, type JobNode } from 'bullmq';
import { peakRssBytes, resetOwnPeakRss } from '../lib/proc-memory.js';
import { taskInstances, type Workload } from '../lib/workload.js';
import { flowFor, jobsPerRun, QUEUE } from './bullmq-flows.js';
import { createProcessor, firstStep, InvocationLedger, lastStep } from './bullmq-processor.js';
import {
  BenchTimeoutError,
  VerificationError,
  type Contender,
  type ContenderSession,
  type ContenderSetup,
  type ExecuteOptions,
  type Execution,
} from './contender.js';

/** Redis for BullMQ: BENCH_REDIS_URL, default redis://127.0.0.1:6379. */
export function redisConnection(): { host: string; port: number; maxRetriesPerRequest: null } {
  const url = new URL(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

/**
 * BullMQ in this process: `hosts` Workers on one queue with `concurrencyPerHost` each (the same total
 * concurrency as Tributary's executor hosts), a FlowProducer adding one flow per run. Every execution
 * gets a fresh key prefix, keeps its jobs for the verification and obliterates the queue afterwards.
 */
export const bullmq: Contender = {
  name: 'bullmq',
  label: 'BullMQ',
  async open(setup: ContenderSetup): Promise<ContenderSession> {
    return new BullmqSession(setup);
  },
};

class BullmqSession implements ContenderSession {
  private readonly connection = redisConnection();

  constructor(private readonly setup: ContenderSetup) {}

  async execute(workload: Workload, options: ExecuteOptions): Promise<Execution> {
    const connection = this.connection;
    const prefix = `bench-${randomBytes(6).toString('hex')}`;
    const queue = new Queue(QUEUE, { connection, prefix });
    const ledger = new InvocationLedger();
    const failures: string[] = [];
    const roots = new Set<string>();
    const workers = Array.from(
      { length: this.setup.hosts },
      () =>
        new Worker(QUEUE, createProcessor(queue, ledger), {
          connection,
          prefix,
          concurrency: this.setup.concurrencyPerHost,
        }),
    );
    for (const worker of workers) {
      worker.on('completed', (job: Job) => {
        if (job.name === 'consolidate') roots.add(job.id!);
      });
      worker.on('failed', (job: Job | undefined, error: Error) =>
        failures.push(`${job?.name} ${job?.id}: ${error.message}`),
      );
      worker.on('error', (error: Error) => failures.push(`worker: ${error.message}`));
    }
    const producer = new FlowProducer({ connection, prefix });
    let timedOut = false;
    try {
      await Promise.all([
        queue.waitUntilReady(),
        producer.waitUntilReady(),
        ...workers.map((w) => w.waitUntilReady()),
      ]);
      if (options.memory) resetOwnPeakRss();
      const startedAt = Date.now();
      const flows = await Promise.all(
        Array.from({ length: workload.runs }, async (_, run) => {
          const triggeredAt = Date.now();
          return { node: await producer.add(flowFor(workload, run)), triggeredAt };
        }),
      );
      const rootIds = flows.map((f) => f.node.job.id!);
      const deadline = startedAt + options.timeoutMs;
      while (!rootIds.every((id) => roots.has(id))) {
        if (failures.length > 0) throw new VerificationError(`bullmq: ${failures.slice(0, 3).join('; ')}`);
        if (Date.now() > deadline) {
          timedOut = true;
          throw new BenchTimeoutError(
            `bullmq: ${rootIds.filter((id) => roots.has(id)).length} of ${rootIds.length} flows finished after ${options.timeoutMs / 1000} s`,
            options.timeoutMs,
            options.memory ? [{ process: 'bench process', bytes: peakRssBytes('self') }] : undefined,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const peakRss = options.memory
        ? [{ process: 'bench process', bytes: peakRssBytes('self') }]
        : undefined;
      const verification = await verify(queue, ledger, workload, rootIds, failures);
      const rootJobs = await Promise.all(
        rootIds.map(async (id) => {
          const found = await queue.getJob(id);
          if (!found) throw new VerificationError(`bullmq: job ${id} is gone`);
          return found;
        }),
      );
      const runs = flows.map((f, i) => ({
        triggeredAt: f.triggeredAt,
        completedAt: rootJobs[i]!.finishedOn!,
      }));
      // Fan-in: the last group's handler ended → the consolidation's (the root's) handler started.
      const fanInLatenciesMs = flows.map(
        (f) =>
          ledger.startedAt(f.node.job.id!, 'run') -
          Math.max(...(f.node.children ?? []).map((c) => ledger.endedAt(c.job.id!, lastStep(c.job.name)))),
      );
      return {
        startedAt,
        completedAt: Math.max(...runs.map((r) => r.completedAt)),
        taskInstances: ledger.counts.size,
        runs,
        fanInLatenciesMs,
        hopLatenciesMs: options.hops
          ? hops(
              flows.map((f) => f.node),
              ledger,
            )
          : undefined,
        peakRss,
        verification,
      };
    } finally {
      await Promise.all(workers.map((w) => w.close(timedOut)));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await producer.close();
      await queue.close();
    }
  }

  async close(): Promise<void> {}
}

/** Every handler ran exactly once per job (and step), every job completed, each root once. */
async function verify(
  queue: Queue,
  ledger: InvocationLedger,
  workload: Workload,
  rootIds: string[],
  failures: string[],
): Promise<string[]> {
  const problems: string[] = [...failures];
  const expectedInvocations = taskInstances(workload);
  const expectedJobs = workload.runs * jobsPerRun(workload);
  if (ledger.counts.size !== expectedInvocations)
    problems.push(`${ledger.counts.size} jobs/steps ran, expected ${expectedInvocations}`);
  const repeated = ledger.repeated();
  if (repeated.length > 0) problems.push(`${repeated.length} jobs ran more than once (e.g. ${repeated[0]})`);
  const counts = await queue.getJobCounts();
  if (counts.completed !== expectedJobs)
    problems.push(`${counts.completed} jobs completed, expected ${expectedJobs}`);
  const leftover = Object.entries(counts).filter(([state, n]) => state !== 'completed' && n > 0);
  if (leftover.length > 0) problems.push(`jobs left ${leftover.map(([s, n]) => `${s}=${n}`).join(', ')}`);
  const states = await Promise.all(rootIds.map((id) => queue.getJobState(id)));
  const notDone = states.filter((s) => s !== 'completed').length;
  if (notDone > 0) problems.push(`${notDone} consolidations not completed`);
  const rootRuns = rootIds.filter((id) => ledger.count(id) !== 1).length;
  if (rootRuns > 0) problems.push(`${rootRuns} consolidations did not run exactly once`);
  if (problems.length > 0) throw new VerificationError(`bullmq: ${problems.join('; ')}`);
  return [
    `worker: ${ledger.counts.size} handler invocations = expected ${expectedInvocations}, each job (and map step) exactly once`,
    `redis: ${counts.completed} jobs completed = expected ${expectedJobs}, none failed or left waiting`,
    `${rootIds.length} consolidation (root) job(s) completed, each ran once`,
  ];
}

/** A child's handler end → its parent's handler start, for every parent/child pair of stage jobs. */
function hops(roots: JobNode[], ledger: InvocationLedger): number[] {
  const latencies: number[] = [];
  const walk = (node: JobNode) => {
    for (const child of node.children ?? []) {
      latencies.push(
        ledger.startedAt(node.job.id!, firstStep(node.job.name)) -
          ledger.endedAt(child.job.id!, lastStep(child.job.name)),
      );
      walk(child);
    }
  };
  // The root's children are the groups' last stages: root → group is the fan-in, not a hop.
  for (const root of roots) for (const group of root.children ?? []) walk(group);
  return latencies;
}
