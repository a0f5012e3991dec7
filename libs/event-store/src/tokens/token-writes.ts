import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { ApiTokensTable } from '../tables/api-tokens.table.js';

/** A token as created by an admin (the secret already hashed). */
export interface NewApiToken {
  tokenId: string;
  secretHash: string;
  name: string;
  role: ApiTokensTable['role'];
  createdBy: string | null;
  expiresAt: Date | null;
}

export async function insertApiToken(db: Kysely<Database>, token: NewApiToken): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      token_id: token.tokenId,
      secret_hash: token.secretHash,
      name: token.name,
      role: token.role,
      created_by: token.createdBy,
      expires_at: token.expiresAt,
    })
    .execute();
}

/** Revokes the active token of this name at `at`; its id, or null when no active token has the name. */
export async function revokeActiveTokenNamed(
  db: Kysely<Database>,
  name: string,
  at: Date,
): Promise<string | null> {
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .returning('token_id')
    .executeTakeFirst();
  return row?.token_id ?? null;
}

/** Records that the token was used at `at`. */
export async function markTokenUsed(db: Kysely<Database>, tokenId: string, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('token_id', '=', tokenId).execute();
}
