import type { ColumnType, Selectable } from 'kysely';

/** `pools`: one row per pool, locked by a dispatch into it; holds the pool's token bucket when rate-limited. */
export interface PoolsTable {
  name: string;
  tokens: number | null;
  /** Epoch ms the bucket was last brought up to date (bigint: read as a string). */
  tokens_at_ms: ColumnType<string | null, number | null, number | null>;
}

export type PoolRow = Selectable<PoolsTable>;
