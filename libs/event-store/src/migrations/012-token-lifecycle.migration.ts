import { sql, type Kysely } from 'kysely';

/**
 * Token lifecycle (issue #10): tokens are `trb_<id>_<secret>`, looked up by their public id and
 * checked against a salted scrypt hash of the secret; they can expire and be revoked, and the
 * bootstrap admin token is a managed row (replaced when TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN changes).
 *
 * Tokens stored before this migration (unsalted SHA-256, no id) cannot be checked the new way: they
 * are revoked and their hashes dropped. The bootstrap token is registered again when the api
 * starts; other tokens must be created again (`tributary tokens create`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table api_tokens add column token_id text`.execute(db);
  await sql`update api_tokens set token_id = 'legacy-' || left(token_hash, 16),
      revoked_at = coalesce(revoked_at, now())`.execute(db);
  await sql`alter table api_tokens drop constraint api_tokens_pkey`.execute(db);
  await sql`alter table api_tokens drop column token_hash`.execute(db);
  await sql`alter table api_tokens alter column token_id set not null`.execute(db);
  await sql`alter table api_tokens add primary key (token_id)`.execute(db);
  // Null only on the revoked rows of before this migration.
  await sql`alter table api_tokens add column secret_hash text`.execute(db);
  await sql`alter table api_tokens add column bootstrap boolean not null default false`.execute(db);
  await sql`alter table api_tokens add column created_by text`.execute(db);
  await sql`alter table api_tokens add column expires_at timestamptz`.execute(db);
  await sql`alter table api_tokens add column last_used_at timestamptz`.execute(db);
  await sql`alter table api_tokens add constraint api_tokens_active_has_secret
      check (revoked_at is not null or secret_hash is not null)`.execute(db);
  // Names are actors in the audit log: one active token per name, one active bootstrap token.
  await sql`create unique index api_tokens_active_name_unique on api_tokens (name)
      where revoked_at is null`.execute(db);
  await sql`create unique index api_tokens_active_bootstrap_unique on api_tokens (bootstrap)
      where bootstrap and revoked_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index api_tokens_active_bootstrap_unique`.execute(db);
  await sql`drop index api_tokens_active_name_unique`.execute(db);
  await sql`alter table api_tokens drop constraint api_tokens_active_has_secret`.execute(db);
  for (const column of ['last_used_at', 'expires_at', 'created_by', 'bootstrap', 'secret_hash'])
    await sql`alter table api_tokens drop column ${sql.ref(column)}`.execute(db);
  // The old scheme's hashes are gone: every token is left revoked, under its id.
  await sql`update api_tokens set revoked_at = coalesce(revoked_at, now())`.execute(db);
  await sql`alter table api_tokens rename column token_id to token_hash`.execute(db);
}
