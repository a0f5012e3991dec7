import { createHash, randomUUID } from 'node:crypto';

/**
 * The run id of a trigger: the one the sender chose, else derived from pipeline + idempotency key
 * (the same key always names the same run, also after JetStream's dedupe window), else random.
 */
export function runIdForTrigger(trigger: {
  runId?: string;
  pipelineId: string;
  idempotencyKey?: string | null;
}): string {
  if (trigger.runId) return trigger.runId;
  if (!trigger.idempotencyKey) return randomUUID();
  return uuidFromKey(`${trigger.pipelineId}\u0000${trigger.idempotencyKey}`);
}

/** A UUID-shaped name derived from SHA-256 of `key` (RFC 9562 version 8, "custom"). */
export function uuidFromKey(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
