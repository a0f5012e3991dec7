import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '@tributary/event-store';
import type { Principal, Role } from './principal.js';

/** Tokens are stored only as their SHA-256 (hex); the token itself is shown once, when created. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Name of the token registered from `TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN`. */
export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';

/** Bearer tokens in `api_tokens`. */
export class TokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The caller of a token; null when unknown or revoked. */
  async principalOf(token: string): Promise<Principal | null> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select(['name', 'role'])
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? { name: row.name, role: row.role } : null;
  }

  /** Registers the bootstrap token as admin; idempotent (a restart with the same token changes nothing). */
  async registerBootstrap(token: string): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({ token_hash: hashToken(token), name: BOOTSTRAP_TOKEN_NAME, role: 'admin' })
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .execute();
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

  /** Creates a token; returns it (the only time it is seen). */
  async create(name: string, role: Role): Promise<string> {
    const token = `trb_${randomBytes(32).toString('base64url')}`;
    await this.db
      .insertInto('api_tokens')
      .values({ token_hash: hashToken(token), name, role })
      .execute();
    return token;
  }
}
