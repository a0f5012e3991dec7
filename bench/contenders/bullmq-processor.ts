import { setTimeout as sleep } from 'node:timers/promises';
import { WaitingChildrenError, type Job, type Queue } from 'bullmq';
import { JOB_OPTIONS } from './bullmq-flows.js';

/** How many times the processor ran each job (each step of a map step job counts on its own). */
export class InvocationLedger {
  readonly counts = new Map<string, number>();

  record(jobId: string, step = 'run'): void {
    const key = `${jobId}:${step}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  count(jobId: string, step = 'run'): number {
    return this.counts.get(`${jobId}:${step}`) ?? 0;
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
        ledger.record(job.id!);
        return null;
      case 'sleep':
        ledger.record(job.id!);
        await sleep(job.data.ms as number);
        return null;
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
    ledger.record(job.id!, 'list');
    const list = Array.from({ length: items }, (_, i) => i);
    await queue.addBulk(
      list.map((item) => ({
        name: 'item',
        data: { item },
        opts: { ...JOB_OPTIONS, parent: { id: job.id!, queue: job.queueQualifiedName } },
      })),
    );
    await job.updateData({ ...job.data, step: 'reduce' });
    if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
  }
  ledger.record(job.id!, 'reduce');
  const values = await job.getChildrenValues();
  const reduced = Object.keys(values).length;
  if (reduced !== items) throw new Error(`bullmq: reduce of ${job.id} saw ${reduced} of ${items} children`);
  return reduced;
}
