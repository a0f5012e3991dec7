import { executorDurable } from '@tributary/events';
import type { ConsumerDefinition } from '@tributary/messaging';
import type { Infrastructure } from '@tributary/runtime';

/** Redelivery after this long without ack or `working()` (a crashed host's work comes back then). */
export const TASK_ACK_WAIT_MS = 30_000;
/** `working()` period while a dispatch's attempts run: well inside the ack wait. */
export const TASK_WORKING_EVERY_MS = 10_000;
/** Deliveries of one dispatch before the server gives up on it (host crashes, shutdowns, publish failures). */
export const TASK_MAX_DELIVER = 5;

export { executorDurable } from '@tributary/events';

/**
 * The durable pull consumer of one executor name on the TASKS work-queue stream: ONE filter subject
 * (NATS 2.9), `task.<executor>`. Hosts serving the same name bind to the same durable and share its
 * messages (scale out). `maxAckPending` is consumer-wide (all hosts together), so it leaves room for
 * several hosts; each host bounds its own intake by its concurrency.
 */
export function executorConsumer(
  infra: Pick<Infrastructure, 'subjects' | 'streams'>,
  executor: string,
  concurrency: number,
): ConsumerDefinition & { stream: string } {
  return {
    stream: infra.streams.TASKS.name,
    durable: executorDurable(executor),
    filterSubject: infra.subjects.task(executor),
    ackWaitMs: TASK_ACK_WAIT_MS,
    maxDeliver: TASK_MAX_DELIVER,
    maxAckPending: Math.max(1_000, concurrency * 4),
    description: `executor hosts: attempts of ${executor}`,
  };
}
