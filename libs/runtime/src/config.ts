import { DEFAULT_SUBJECT_PREFIX, assertSubjectPrefix } from '@tributary/events';
import { DEFAULT_NATS_URL, natsOptionsFromEnv, type NatsTlsOptions } from '@tributary/messaging';
import { ConfigError } from './config-error.js';
import { durationVar, type Env } from './env-vars.js';

export { ConfigError } from './config-error.js';

/** Everything a Tributary process is configured with (DESIGN §7 "Configuration"): environment first, flags override. */
export interface TributaryConfig {
  databaseUrl: string;
  natsUrl: string;
  natsCreds: string | null;
  natsUser: string | null;
  natsPassword: string | null;
  natsToken: string | null;
  /** TLS files for NATS (CA, client certificate and key); null: plain unless the URL says tls://. */
  natsTls: NatsTlsFiles | null;
  subjectPrefix: string;
  apiHost: string;
  apiPort: number;
  apiUrl: string;
  apiToken: string | null;
  bootstrapAdminToken: string | null;
  /** api: serve without authentication (every caller is admin); only for a throwaway local setup. */
  insecureNoAuth: boolean;
  /** Modules of user handlers for executor hosts. */
  handlers: string[];
  /**
   * Apply migrations when a service starts (TRIBUTARY_MIGRATE=1; needs owner rights). Off by default:
   * services check the schema is current and `tributary migrate` migrates.
   */
  migrate: boolean;
  /** Host name reported with attempts and heartbeats. */
  host: string;
  /** How long published outbox rows are kept before the relay prunes them. */
  outboxRetentionMs: number;
  /** How often a planner takes up running runs no replica here holds (a replica that left for good). */
  plannerAdoptEveryMs: number;
  /** A running attempt no host has listed in a heartbeat for this long is failed and retried (its host died). */
  heartbeatTimeoutMs: number;
}

/** TLS files for NATS; the NATS variables are read by messaging's `natsOptionsFromEnv`, the one reader. */
export type NatsTlsFiles = Pick<NatsTlsOptions, 'caFile' | 'certFile' | 'keyFile'>;

/** The `tributary` database of a local server (created on first start when missing). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tributary';
export { DEFAULT_NATS_URL };
export const DEFAULT_API_PORT = 8080;
/** Published outbox rows are kept an hour by default (for inspection), then pruned. */
export const DEFAULT_OUTBOX_RETENTION_MS = 3_600_000;
/** A planner looks for running runs no replica here holds every 30 s. */
export const DEFAULT_PLANNER_ADOPT_EVERY_MS = 30_000;
/**
 * A running attempt missing from every host's heartbeats for 2 min is lost. Hosts heartbeat every 10 s
 * and a dead host's dispatch is redelivered after 30 s: another host normally takes it up first.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 120_000;

/** Reads the configuration from the environment; `overrides` (CLI flags) win. */
export function loadConfig(
  env: Env = process.env,
  overrides: Partial<TributaryConfig> = {},
): TributaryConfig {
  const port = overrides.apiPort ?? parsePort(env.TRIBUTARY_API_PORT);
  // Loopback unless told otherwise: exposing the api is a decision (deploy/compose.yaml sets 0.0.0.0).
  const apiHost = overrides.apiHost ?? env.TRIBUTARY_API_HOST ?? '127.0.0.1';
  const prefix = overrides.subjectPrefix ?? env.TRIBUTARY_SUBJECT_PREFIX ?? DEFAULT_SUBJECT_PREFIX;
  try {
    assertSubjectPrefix(prefix);
  } catch (error) {
    throw new ConfigError(`TRIBUTARY_SUBJECT_PREFIX: ${(error as Error).message}`);
  }
  const nats = natsOptionsFromEnv(env);
  const config: TributaryConfig = {
    databaseUrl: env.TRIBUTARY_DATABASE_URL ?? DEFAULT_DATABASE_URL,
    natsUrl: nats.url === undefined ? DEFAULT_NATS_URL : [nats.url].flat().join(','),
    natsCreds: nats.credsFile ?? null,
    natsUser: nats.user ?? null,
    natsPassword: nats.pass ?? null,
    natsToken: nats.token ?? null,
    natsTls: typeof nats.tls === 'object' ? nats.tls : null,
    subjectPrefix: prefix,
    apiHost,
    apiPort: port,
    apiUrl: env.TRIBUTARY_API_URL ?? `http://127.0.0.1:${port}`,
    apiToken: env.TRIBUTARY_API_TOKEN ?? null,
    bootstrapAdminToken: env.TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN || null,
    insecureNoAuth: ['1', 'true', 'yes'].includes((env.TRIBUTARY_INSECURE_NO_AUTH ?? '').toLowerCase()),
    handlers: (env.TRIBUTARY_HANDLERS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    migrate: booleanVar(env, 'TRIBUTARY_MIGRATE', false),
    host: env.TRIBUTARY_HOST_NAME ?? env.HOSTNAME ?? `pid-${process.pid}`,
    outboxRetentionMs: durationVar(env, 'TRIBUTARY_OUTBOX_RETENTION', DEFAULT_OUTBOX_RETENTION_MS),
    plannerAdoptEveryMs: durationVar(env, 'TRIBUTARY_PLANNER_ADOPT_EVERY', DEFAULT_PLANNER_ADOPT_EVERY_MS, {
      minMs: 1,
    }),
    heartbeatTimeoutMs: durationVar(env, 'TRIBUTARY_HEARTBEAT_TIMEOUT', DEFAULT_HEARTBEAT_TIMEOUT_MS, {
      minMs: 1,
    }),
  };
  return { ...config, ...stripUndefined(overrides) };
}

/** `1/true/yes` or `0/false/no` (any case); `fallback` when unset; a ConfigError naming the variable otherwise. */
function booleanVar(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const lower = value.toLowerCase();
  if (['1', 'true', 'yes'].includes(lower)) return true;
  if (['0', 'false', 'no'].includes(lower)) return false;
  throw new ConfigError(`${name}: "${value}" is not a boolean (1/true/yes or 0/false/no)`);
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_API_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`TRIBUTARY_API_PORT: "${value}" is not a port number (0-65535)`);
  }
  return port;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
