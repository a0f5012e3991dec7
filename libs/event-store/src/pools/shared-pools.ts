import { sql, type Transaction } from 'kysely';
import type { TokenBucket } from '@tributary/domain';
import type { Database } from '../db/database.js';

/** What every planner replica shares about one pool, read under its row lock. */
export interface SharedPoolState {
  /** Queued or running instances of the pool in runs other than the excluded ones (committed state). */
  activeElsewhere: number;
  /** The pool's token bucket; undefined when none was stored yet (a full bucket). */
  bucket: TokenBucket | undefined;
}

/**
 * Locks the named pools' rows (created when missing) in name order — after the run heads, which every
 * planner transaction locks first, so no two transactions wait on each other in opposite orders — and
 * reads their shared state. Two replicas dispatching into one pool thus take turns, and each counts what
 * the other committed. `excludeRunIds`: the runs this transaction decides (their counts come from memory).
 */
export async function lockSharedPools(
  trx: Transaction<Database>,
  names: readonly string[],
  excludeRunIds: readonly string[],
): Promise<Map<string, SharedPoolState>> {
  const sorted = [...new Set(names)].sort();
  const result = new Map<string, SharedPoolState>();
  if (sorted.length === 0) return result;
  await trx
    .insertInto('pools')
    .values(sorted.map((name) => ({ name, tokens: null, tokens_at_ms: null })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const rows = await trx
    .selectFrom('pools')
    .select(['name', 'tokens', 'tokens_at_ms'])
    .where('name', 'in', sorted)
    .orderBy('name')
    .forUpdate()
    .execute();
  let active = trx
    .selectFrom('task_instances')
    .select(['pool', sql<string>`count(*)`.as('n')])
    .where('pool', 'in', sorted)
    .where('state', 'in', ['queued', 'running']);
  if (excludeRunIds.length > 0) active = active.where('run_id', 'not in', [...excludeRunIds]);
  const counts = new Map(
    (await active.groupBy('pool').execute()).map((row) => [row.pool as string, Number(row.n)]),
  );
  for (const row of rows) {
    result.set(row.name, {
      activeElsewhere: counts.get(row.name) ?? 0,
      bucket:
        row.tokens === null || row.tokens_at_ms === null
          ? undefined
          : { tokens: row.tokens, updatedAtMs: Number(row.tokens_at_ms) },
    });
  }
  return result;
}

/** Stores the pools' token buckets after a dispatch (call inside the transaction that locked them). */
export async function saveSharedPoolBuckets(
  trx: Transaction<Database>,
  buckets: ReadonlyMap<string, TokenBucket>,
): Promise<void> {
  for (const [name, bucket] of [...buckets].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await trx
      .updateTable('pools')
      .set({ tokens: bucket.tokens, tokens_at_ms: Math.round(bucket.updatedAtMs) })
      .where('name', '=', name)
      .execute();
  }
}
