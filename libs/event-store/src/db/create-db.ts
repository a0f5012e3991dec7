import { Kysely, PostgresDialect, type LogConfig } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

export interface CreateDbOptions {
  /** Pool size. @default 10 */
  maxConnections?: number;
  /** Shown in `pg_stat_activity.application_name`. @default 'tributary' */
  applicationName?: string;
  /** Passed to kysely (e.g. `['error']` or a function) for query logging. */
  log?: LogConfig;
}

/**
 * A kysely instance on a pg pool. Call `db.destroy()` to close the pool.
 *
 * Number conventions (pg defaults, kept on purpose): `bigserial`/`int8` columns
 * (`event_log.seq`, `outbox.id`, `task_logs.id`, `count(*)`) come back as
 * **decimal strings**, because they can pass 2^53; `integer` columns (`run_seq`,
 * `attempt`, `version`) as numbers; `timestamptz` as `Date`; `jsonb` parsed.
 * No global pg type parser is changed, so other pools in the process are unaffected.
 */
export function createDb(url: string, options: CreateDbOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'tributary',
  });
  // An idle client losing its connection emits 'error' on the pool; without a
  // listener Node would crash the process. The next checkout reconnects.
  pool.on('error', () => undefined);
  // A client checked out by a transaction when Postgres goes away (a restart) emits 'error' on ITSELF,
  // which the pool does not listen to while the client is out: every service with a transaction open
  // died (issue #8). Its query rejects anyway, the transaction fails and the client is discarded.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}
