import type { Kysely } from 'kysely';
import type { Database } from '@tributary/event-store';
import type { Role } from './principal.js';
import { hashSecret, newToken } from './token-secret.js';

/** Name of the token registered from `TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN`; reserved. */
export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';

/** What the api shows of a token: never the token or its hash. */
export interface TokenSummary {
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The columns verification needs. */
export interface StoredToken {
  token_id: string;
  secret_hash: string | null;
  name: string;
  role: Role;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** Bearer tokens in `api_tokens` (see token-secret.ts for the format and hashing). */
export class TokenStore {
  constructor(readonly db: Kysely<Database>) {}

  byId(tokenId: string): Promise<StoredToken | undefined> {
    return this.db
      .selectFrom('api_tokens')
      .select(['token_id', 'secret_hash', 'name', 'role', 'expires_at', 'revoked_at'])
      .where('token_id', '=', tokenId)
      .executeTakeFirst();
  }

  /** The active bootstrap token's row (at most one: a partial unique index). */
  activeBootstrap(): Promise<StoredToken | undefined> {
    return this.db
      .selectFrom('api_tokens')
      .select(['token_id', 'secret_hash', 'name', 'role', 'expires_at', 'revoked_at'])
      .where('bootstrap', '=', true)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  /** Whether an active token has this name (names are actors in the audit log: keep them unique). */
  async nameInUse(name: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select('name')
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether a token could act as admin now (the api refuses to start without one). */
  async hasActiveAdmin(now = new Date()): Promise<boolean> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select('token_id')
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Creates a token; returns it (the only time it is seen). */
  async create(input: {
    name: string;
    role: Role;
    expiresAt: Date | null;
    createdBy: string | null;
  }): Promise<string> {
    const { id, secret, token } = newToken();
    await this.db
      .insertInto('api_tokens')
      .values({
        token_id: id,
        secret_hash: await hashSecret(secret),
        name: input.name,
        role: input.role,
        created_by: input.createdBy,
        expires_at: input.expiresAt,
      })
      .execute();
    return token;
  }

  /** Every token, newest first; revoked ones only when asked. */
  async list(options: { includeRevoked?: boolean } = {}): Promise<TokenSummary[]> {
    let query = this.db
      .selectFrom('api_tokens')
      .select(['name', 'role', 'created_at', 'created_by', 'expires_at', 'last_used_at', 'revoked_at'])
      .orderBy('created_at', 'desc')
      .orderBy('name');
    if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
    const rows = await query.execute();
    return rows.map((row) => ({
      name: row.name,
      role: row.role,
      createdAt: row.created_at.toISOString(),
      createdBy: row.created_by,
      expiresAt: iso(row.expires_at),
      lastUsedAt: iso(row.last_used_at),
      revokedAt: iso(row.revoked_at),
    }));
  }

  /** Revokes the active token of this name; its id (for caches), or null when no active token has the name. */
  async revoke(name: string): Promise<string | null> {
    const row = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .returning('token_id')
      .executeTakeFirst();
    return row?.token_id ?? null;
  }

  /** Records use; callers throttle it (one write per token a minute at most). */
  async touch(tokenId: string): Promise<void> {
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: new Date() })
      .where('token_id', '=', tokenId)
      .execute();
  }
}
