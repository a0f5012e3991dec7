import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { AcceptedTriggersTable } from '../tables/accepted-triggers.table.js';

export type AcceptedTriggerRow = Selectable<AcceptedTriggersTable>;

/** The api's receipt of a trigger it answered 202 for, as inserted. */
export interface NewAcceptedTrigger {
  runId: string;
  pipelineId: string;
  pipelineVersion: number;
  /** Stored as given (already sealed: secret params encrypted). */
  params: unknown;
  actor: string;
}

/** What the receipt says was asked for (no actor, no time). */
export function readAcceptedTriggerRequest(
  db: Kysely<Database>,
  runId: string,
): Promise<Pick<AcceptedTriggerRow, 'run_id' | 'pipeline_id' | 'pipeline_version' | 'params'> | undefined> {
  return db
    .selectFrom('accepted_triggers')
    .select(['run_id', 'pipeline_id', 'pipeline_version', 'params'])
    .where('run_id', '=', runId)
    .executeTakeFirst();
}

/** Stores a receipt; false when the run already has one (a concurrent request stored it first). */
export async function insertAcceptedTrigger(
  db: Kysely<Database>,
  receipt: NewAcceptedTrigger,
): Promise<boolean> {
  const inserted = await db
    .insertInto('accepted_triggers')
    .values({
      run_id: receipt.runId,
      pipeline_id: receipt.pipelineId,
      pipeline_version: receipt.pipelineVersion,
      params: JSON.stringify(receipt.params),
      actor: receipt.actor,
    })
    .onConflict((oc) => oc.column('run_id').doNothing())
    .returning('run_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Withdraws the run's receipt. */
export async function deleteAcceptedTrigger(db: Kysely<Database>, runId: string): Promise<void> {
  await db.deleteFrom('accepted_triggers').where('run_id', '=', runId).execute();
}
