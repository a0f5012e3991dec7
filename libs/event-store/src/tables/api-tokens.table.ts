import type { ColumnType, Selectable } from 'kysely';
import type { DefaultedTimestampColumn, NullableTimestampColumn } from './column-types.js';

/** Bearer tokens of the api (migrations 003, 012): `trb_<token_id>_<secret>`, the secret stored as a scrypt hash. */
export interface ApiTokensTable {
  /** The public part of the token, its primary key. */
  token_id: string;
  /** `scrypt$N$r$p$salt$hash` of the secret; null only on rows revoked by migration 012. */
  secret_hash: string | null;
  name: string;
  role: 'viewer' | 'operator' | 'admin';
  /** The row of TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN (at most one active). */
  bootstrap: ColumnType<boolean, boolean | undefined, boolean>;
  /** Name of the token that created this one; null for the bootstrap token. */
  created_by: string | null;
  created_at: DefaultedTimestampColumn;
  expires_at: NullableTimestampColumn;
  last_used_at: NullableTimestampColumn;
  revoked_at: NullableTimestampColumn;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
