import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { isDockerAvailable } from '../infrastructure/docker-available.js';
import { InfrastructureUnavailableError } from '../infrastructure/infrastructure-unavailable.error.js';
import { redactUrl } from '../infrastructure/redact-url.js';
import { isUnreachableError } from '../infrastructure/unreachable-error.js';
import { startNatsContainer, type NatsContainer } from './nats-container.js';

/** Used when `TRIBUTARY_NATS_URL` is not set. */
export const DEFAULT_TEST_NATS_URL = 'nats://127.0.0.1:4222';

/** A NATS JetStream server plus a subject prefix no other test uses. */
export interface TestNats {
  /** Server URL. */
  readonly url: string;
  /** `t_<8 hex>`: use as the subject prefix; streams are named with it uppercased (`T_1A2B3C4D_TASKS`). */
  readonly prefix: string;
  /** Deletes every JetStream stream whose name starts with `prefix.toUpperCase()` (and stops the container, if any). Idempotent. */
  cleanup(): Promise<void>;
}

export interface CreateTestNatsOptions {
  /** Default `TRIBUTARY_NATS_URL`, then {@link DEFAULT_TEST_NATS_URL}. */
  url?: string;
  /** Start a testcontainers NATS when nothing answers and Docker exists. @default true */
  container?: boolean;
  /** @default 3000 */
  connectTimeoutMs?: number;
}

/** A fresh `t_<8 hex>` subject prefix. */
export function createTestPrefix(): string {
  return `t_${randomBytes(4).toString('hex')}`;
}

/**
 * Checks that a JetStream server answers and hands out a unique prefix, so tests
 * can share one server without seeing each other's streams. Falls back to
 * `nats:2.9-alpine -js` under testcontainers when nothing answers and Docker
 * exists; otherwise throws an {@link InfrastructureUnavailableError} naming the fixes.
 */
export async function createTestNats(options: CreateTestNatsOptions = {}): Promise<TestNats> {
  const configuredUrl = options.url ?? process.env['TRIBUTARY_NATS_URL'] ?? DEFAULT_TEST_NATS_URL;
  const timeout = options.connectTimeoutMs ?? 3000;
  let url = configuredUrl;
  let container: NatsContainer | undefined;

  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, timeout, reconnect: false });
  } catch (error) {
    if (!isUnreachableError(error)) throw error;
    if (options.container === false || !isDockerAvailable()) {
      throw new InfrastructureUnavailableError(unreachableMessage(configuredUrl, error), { cause: error });
    }
    container = await startNatsContainer();
    url = container.url;
    nc = await connect({ servers: url, timeout: 30_000, reconnect: false });
  }
  try {
    // Fails fast with a clear error when the server runs without -js.
    await jetstreamManager(nc);
  } catch (error) {
    await container?.stop();
    throw new InfrastructureUnavailableError(
      `NATS at ${redactUrl(url)} answers but JetStream is not enabled (start it with -js)`,
      {
        cause: error,
      },
    );
  } finally {
    await nc.close();
  }

  const prefix = createTestPrefix();
  let cleaned = false;
  return {
    url,
    prefix,
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      try {
        await deleteStreamsWithPrefix(url, prefix.toUpperCase(), timeout);
      } finally {
        await container?.stop();
      }
    },
  };
}

/** Deletes the streams whose names start with `namePrefix`; returns their names. */
export async function deleteStreamsWithPrefix(
  url: string,
  namePrefix: string,
  timeout = 3000,
): Promise<string[]> {
  const nc = await connect({ servers: url, timeout, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const doomed: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(namePrefix)) doomed.push(name);
    }
    for (const name of doomed) await jsm.streams.delete(name);
    return doomed;
  } finally {
    await nc.close();
  }
}

function unreachableMessage(url: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return [
    `No NATS answers at ${redactUrl(url)} (${reason}) and no Docker engine was found for testcontainers.`,
    'Provide a NATS server with JetStream in one of three ways:',
    '  1. set TRIBUTARY_NATS_URL to a NATS 2.9+ server started with JetStream (-js);',
    '  2. start a local one: nats-server -js  (Debian: apt-get install nats-server)',
    '  3. provide a Docker engine (/var/run/docker.sock or DOCKER_HOST) so testcontainers can start nats:2.9-alpine -js.',
  ].join('\n');
}
