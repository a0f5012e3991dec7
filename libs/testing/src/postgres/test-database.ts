import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isDockerAvailable } from '../infrastructure/docker-available.js';
import { InfrastructureUnavailableError } from '../infrastructure/infrastructure-unavailable.error.js';
import { redactUrl } from '../infrastructure/redact-url.js';
import { isUnreachableError } from '../infrastructure/unreachable-error.js';
import { startPostgresContainer, type PostgresContainer } from './postgres-container.js';

/** Used when `TRIBUTARY_DATABASE_URL` is not set. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Every database created here starts with this prefix, so leftovers are easy to find. */
export const TEST_DATABASE_PREFIX = 'tributary_test_';

/** Starts the Debian cluster on this kind of machine; quoted verbatim in errors. */
export const START_LOCAL_POSTGRES_COMMAND =
  'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/** A fresh, empty database owned by one test file (or one benchmark). */
export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  /** Database name, `tributary_test_<12 hex>`. */
  readonly name: string;
  /** Terminates its connections and drops it (and stops the container, if one was started). Idempotent. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Server to create the database on; default `TRIBUTARY_DATABASE_URL`, then {@link DEFAULT_TEST_DATABASE_URL}. */
  url?: string;
  /** Start a testcontainers Postgres when nothing answers and Docker exists. @default true */
  container?: boolean;
  /** Connect timeout used to decide that nothing answers. @default 3000 */
  connectTimeoutMs?: number;
}

/**
 * Creates `tributary_test_<random>` on the configured server and returns its URL.
 * When nothing answers there and a Docker engine exists, starts `postgres:15-alpine`
 * with testcontainers instead; otherwise throws an {@link InfrastructureUnavailableError}
 * that names every way to provide a Postgres.
 *
 * @example
 * const database = await createTestDatabase();
 * try { run(database.url); } finally { await database.drop(); }
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const configuredUrl = options.url ?? process.env['TRIBUTARY_DATABASE_URL'] ?? DEFAULT_TEST_DATABASE_URL;
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  let adminUrl = configuredUrl;
  let container: PostgresContainer | undefined;

  let admin: pg.Client;
  try {
    admin = await connectClient(adminUrl, connectTimeoutMs);
  } catch (error) {
    if (!isUnreachableError(error)) throw error;
    if (options.container === false || !isDockerAvailable()) {
      throw new InfrastructureUnavailableError(unreachableMessage(configuredUrl, error), { cause: error });
    }
    container = await startPostgresContainer();
    adminUrl = container.url;
    admin = await connectClient(adminUrl, 30_000);
  }

  const name = `${TEST_DATABASE_PREFIX}${randomBytes(6).toString('hex')}`;
  try {
    // Identifiers cannot be bound parameters; the name is generated above and escaped anyway.
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } catch (error) {
    await container?.stop();
    throw error;
  } finally {
    await admin.end();
  }

  let dropped = false;
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      try {
        await dropDatabase(adminUrl, name, connectTimeoutMs);
      } finally {
        await container?.stop();
      }
    },
  };
}

/**
 * Drops one database: first terminates every other session on it (a pool the test
 * forgot to close would otherwise make DROP fail), then DROP … WITH (FORCE) for any
 * session that reconnected in between.
 */
async function dropDatabase(adminUrl: string, name: string, connectTimeoutMs: number): Promise<void> {
  const admin = await connectClient(adminUrl, connectTimeoutMs);
  try {
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function connectClient(url: string, connectTimeoutMs: number): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  // A server that goes away mid-test must not crash the process with an unhandled 'error'.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function unreachableMessage(url: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return [
    `No Postgres answers at ${redactUrl(url)} (${reason}) and no Docker engine was found for testcontainers.`,
    'Provide a Postgres in one of three ways:',
    '  1. set TRIBUTARY_DATABASE_URL to a server where this user may CREATE DATABASE;',
    `  2. start the local Postgres: ${START_LOCAL_POSTGRES_COMMAND}`,
    '  3. provide a Docker engine (/var/run/docker.sock or DOCKER_HOST) so testcontainers can start postgres:15-alpine.',
  ].join('\n');
}
