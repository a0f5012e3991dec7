import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { ApiTokenRow } from '../tables/api-tokens.table.js';

/** The columns verifying a token needs. */
export type TokenCredentialRow = Pick<
  ApiTokenRow,
  'token_id' | 'secret_hash' | 'name' | 'role' | 'expires_at' | 'revoked_at'
>;

export type TokenSummaryRow = Pick<
  ApiTokenRow,
  'name' | 'role' | 'created_at' | 'created_by' | 'expires_at' | 'last_used_at' | 'revoked_at'
>;

export function readTokenCredential(
  db: Kysely<Database>,
  tokenId: string,
): Promise<TokenCredentialRow | undefined> {
  return db
    .selectFrom('api_tokens')
    .select(['token_id', 'secret_hash', 'name', 'role', 'expires_at', 'revoked_at'])
    .where('token_id', '=', tokenId)
    .executeTakeFirst();
}

/** The active bootstrap token's row (at most one: a partial unique index). */
export function readActiveBootstrapCredential(db: Kysely<Database>): Promise<TokenCredentialRow | undefined> {
  return db
    .selectFrom('api_tokens')
    .select(['token_id', 'secret_hash', 'name', 'role', 'expires_at', 'revoked_at'])
    .where('bootstrap', '=', true)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Whether an active (not revoked) token has this name. */
export async function activeTokenNameTaken(db: Kysely<Database>, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_tokens')
    .select('name')
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether an admin token is neither revoked nor expired at `now`. */
export async function hasUsableAdminToken(db: Kysely<Database>, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('api_tokens')
    .select('token_id')
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return row !== undefined;
}

/** Every token newest first (then by name); revoked ones only when asked. */
export function listTokenSummaries(
  db: Kysely<Database>,
  options: { includeRevoked?: boolean },
): Promise<TokenSummaryRow[]> {
  let query = db
    .selectFrom('api_tokens')
    .select(['name', 'role', 'created_at', 'created_by', 'expires_at', 'last_used_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .orderBy('name');
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  return query.execute();
}
