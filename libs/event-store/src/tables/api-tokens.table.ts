import type { Selectable } from 'kysely';
import type { DefaultedTimestampColumn, NullableTimestampColumn } from './column-types.js';

export interface ApiTokensTable {
  token_hash: string;
  name: string;
  role: 'viewer' | 'operator' | 'admin';
  created_at: DefaultedTimestampColumn;
  revoked_at: NullableTimestampColumn;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
