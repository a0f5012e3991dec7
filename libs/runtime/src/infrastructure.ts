import type { Kysely } from 'kysely';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  assertSchemaCurrent,
  createDb,
  ensureDatabase,
  migrateToLatest,
  type Database,
} from '@tributary/event-store';
import { streams, subjects, type StreamKind, type StreamSpec, type Subjects } from '@tributary/events';
import { connectNats, ensureStreams } from '@tributary/messaging';
import type { TributaryConfig } from './config.js';

/** The connections a service runs on, with the streams provisioned. */
export interface Infrastructure {
  readonly config: TributaryConfig;
  readonly db: Kysely<Database>;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly subjects: Subjects;
  readonly streams: Readonly<Record<StreamKind, StreamSpec>>;
  close(): Promise<void>;
}

export interface InfrastructureOptions {
  poolSize?: number;
  /**
   * Without `config.migrate`, check that the schema is current before anything starts (default). False
   * for a service that may start before Postgres is reachable and touches it rarely (executor hosts).
   */
  checkSchema?: boolean;
}

/**
 * Connects to Postgres and NATS, applies migrations when configured (TRIBUTARY_MIGRATE=1: needs owner
 * rights) or else checks the schema is current, and makes sure the four streams exist (idempotent, so
 * every service can start first).
 */
export async function connectInfrastructure(
  config: TributaryConfig,
  serviceName: string,
  options: InfrastructureOptions = {},
): Promise<Infrastructure> {
  if (config.migrate) await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl, {
    maxConnections: options.poolSize ?? 10,
    applicationName: `tributary-${serviceName}`,
  });
  try {
    if (config.migrate) await migrateToLatest(db);
    else if (options.checkSchema !== false) await assertSchemaCurrent(db);
    const nc = await connectNats({
      url: config.natsUrl,
      name: `tributary-${serviceName}`,
      // Replies to this service only (`_INBOX_fan_in.…`): deploy/nats/nats.conf lets each user read its own.
      inboxPrefix: `_INBOX_${serviceName.replaceAll('-', '_')}`,
      ...(config.natsUser ? { user: config.natsUser } : {}),
      ...(config.natsPassword ? { pass: config.natsPassword } : {}),
      ...(config.natsToken ? { token: config.natsToken } : {}),
      ...(config.natsCreds ? { credsFile: config.natsCreds } : {}),
      ...(config.natsTls ? { tls: config.natsTls } : {}),
    });
    const jsm = await jetstreamManager(nc);
    const streamSpecs = streams(config.subjectPrefix);
    await ensureStreams(
      jsm,
      Object.values(streamSpecs).map((s) => ({ ...s, subjects: [...s.subjects] })),
    );
    return {
      config,
      db,
      nc,
      js: jetstream(nc),
      jsm,
      subjects: subjects(config.subjectPrefix),
      streams: streamSpecs,
      async close() {
        await nc.drain().catch(() => undefined);
        await db.destroy();
      },
    };
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
}

/** DI token of a service's Infrastructure (connections, subjects, streams): one for every service. */
export const INFRASTRUCTURE = Symbol('tributary.infrastructure');
