import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { ApiTokenRow } from '../tables/api-tokens.table.js';

/** Serialises bootstrap registration across api replicas starting at once. */
const BOOTSTRAP_LOCK_KEY = 0x7472_6274; // "trbt"

/** Takes the bootstrap registration's advisory lock until the transaction ends. */
export async function lockBootstrapRegistration(trx: Transaction<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`.execute(trx);
}

/** The active bootstrap token's id and secret hash; undefined when there is none. */
export function readActiveBootstrapSecret(
  trx: Transaction<Database>,
): Promise<Pick<ApiTokenRow, 'token_id' | 'secret_hash'> | undefined> {
  return trx
    .selectFrom('api_tokens')
    .select(['token_id', 'secret_hash'])
    .where('bootstrap', '=', true)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Revokes at `at` the active bootstrap token and any other active token named `reservedName`. */
export async function revokeBootstrapTokens(
  trx: Transaction<Database>,
  reservedName: string,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('bootstrap', '=', true), eb('name', '=', reservedName)]))
    .execute();
}

/** Stores the bootstrap admin token (secret already hashed). */
export async function insertBootstrapToken(
  trx: Transaction<Database>,
  token: { tokenId: string; secretHash: string; name: string },
): Promise<void> {
  await trx
    .insertInto('api_tokens')
    .values({
      token_id: token.tokenId,
      secret_hash: token.secretHash,
      name: token.name,
      role: 'admin',
      bootstrap: true,
    })
    .execute();
}
