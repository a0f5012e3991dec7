import type { Kysely } from 'kysely';
import {
  activeTokenNameTaken,
  hasUsableAdminToken,
  insertApiToken,
  listTokenSummaries,
  markTokenUsed,
  readActiveBootstrapCredential,
  readTokenCredential,
  revokeActiveTokenNamed,
  type Database,
} from '@tributary/event-store';
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
    return readTokenCredential(this.db, tokenId);
  }

  /** The active bootstrap token's row (at most one: a partial unique index). */
  activeBootstrap(): Promise<StoredToken | undefined> {
    return readActiveBootstrapCredential(this.db);
  }

  /** Whether an active token has this name (names are actors in the audit log: keep them unique). */
  nameInUse(name: string): Promise<boolean> {
    return activeTokenNameTaken(this.db, name);
  }

  /** Whether a token could act as admin now (the api refuses to start without one). */
  hasActiveAdmin(now = new Date()): Promise<boolean> {
    return hasUsableAdminToken(this.db, now);
  }

  /** Creates a token; returns it (the only time it is seen). */
  async create(input: {
    name: string;
    role: Role;
    expiresAt: Date | null;
    createdBy: string | null;
  }): Promise<string> {
    const { id, secret, token } = newToken();
    await insertApiToken(this.db, {
      tokenId: id,
      secretHash: await hashSecret(secret),
      name: input.name,
      role: input.role,
      createdBy: input.createdBy,
      expiresAt: input.expiresAt,
    });
    return token;
  }

  /** Every token, newest first; revoked ones only when asked. */
  async list(options: { includeRevoked?: boolean } = {}): Promise<TokenSummary[]> {
    const rows = await listTokenSummaries(this.db, options);
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
  revoke(name: string): Promise<string | null> {
    return revokeActiveTokenNamed(this.db, name, new Date());
  }

  /** Records use; callers throttle it (one write per token a minute at most). */
  async touch(tokenId: string): Promise<void> {
    await markTokenUsed(this.db, tokenId, new Date());
  }
}
