import { setTimeout as sleep } from 'node:timers/promises';
import { WaitingChildrenError, type Job, type Queue } from 'bullmq';
import { JOB_OPTIONS } from './bullmq-flows.js';

/** Epoch ms with sub-millisecond resolution (the handlers all run in this process). */
const now = () => performance.timeOrigin + performance.now();

/** The step a job starts with and the one it finishes with (a map's list and reduce; else `run`). */
export const firstStep = (name: string) => (name === 'map' ? 'list' : 'run');
export const lastStep = (name: string) => (name === 'map' ? 'reduce' : 'run');

/**
 * How many times the processor ran each job (each step of a map step job counts on its own), and when
 * the handler of its last invocation started and ended.
 */
export class InvocationLedger {
  readonly counts = new Map<string, number>();
  private readonly times = new Map<string, { start: number; end: number }>();

  /** Counts an invocation starting now; call the result when the handler is done. */
  start(jobId: string, step = 'run'): () => void {
    const key = `${jobId}:${step}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const time = { start: now(), end: Number.NaN };
    this.times.set(key, time);
    return () => {
      time.end = now();
    };
  }

  count(jobId: string, step = 'run'): number {
    return this.counts.get(`${jobId}:${step}`) ?? 0;
  }

  startedAt(jobId: string, step: string): number {
    return this.times.get(`${jobId}:${step}`)?.start ?? Number.NaN;
  }

  endedAt(jobId: string, step: string): number {
    return this.times.get(`${jobId}:${step}`)?.end ?? Number.NaN;
  }

  /** Keys (job:step) run more than once. */
  repeated(): string[] {
    return [...this.counts].filter(([, n]) => n !== 1).map(([key]) => key);
  }
}

/**
 * The bench's job handlers, all in one processor as one Worker per host would run them: no-ops, sleeps,
 * and the map as BullMQ's documented step-job pattern — list the items and add one child per item with
 * `opts.parent` (addBulk), `moveToWaitingChildren` + `WaitingChildrenError`, then reduce over
 * `getChildrenValues()`.
 */
export function createProcessor(queue: Queue, ledger: InvocationLedger) {
  return async (job: Job, token?: string): Promise<unknown> => {
    switch (job.name) {
      case 'consolidate':
      case 'noop':
      case 'item':
        ledger.start(job.id!)();
        return null;
      case 'sleep': {
        const done = ledger.start(job.id!);
        await sleep(job.data.ms as number);
        done();
        return null;
      }
      case 'map':
        return mapStep(queue, ledger, job, token!);
      default:
        throw new Error(`bullmq: unknown job ${job.name}`);
    }
  };
}

async function mapStep(queue: Queue, ledger: InvocationLedger, job: Job, token: string): Promise<number> {
  const items = job.data.items as number;
  if (job.data.step === 'list') {
    const listed = ledger.start(job.id!, 'list');
    const list = Array.from({ length: items }, (_, i) => i);
    await queue.addBulk(
      list.map((item) => ({
        name: 'item',
        data: { item },
        opts: { ...JOB_OPTIONS, parent: { id: job.id!, queue: job.queueQualifiedName } },
      })),
    );
    await job.updateData({ ...job.data, step: 'reduce' });
    listed();
    if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
  }
  const reduced = ledger.start(job.id!, 'reduce');
  const values = await job.getChildrenValues();
  const count = Object.keys(values).length;
  if (count !== items) throw new Error(`bullmq: reduce of ${job.id} saw ${count} of ${items} children`);
  reduced();
  return count;
}
