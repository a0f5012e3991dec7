import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '@tributary/domain';
import type { TributaryConfig } from '@tributary/runtime';
import { parseList } from './shared.js';

/** The configuration flags of the commands that run services (`start`, `dev`): DESIGN §7, each variable a flag. */
export interface ServiceConfigFlags {
  databaseUrl?: string;
  natsUrl?: string;
  natsCreds?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  subjectPrefix?: string;
  handlers?: string[];
  bootstrapAdminToken?: string;
  insecureNoAuth?: boolean;
  outboxRetention?: number;
  plannerAdoptEvery?: number;
}

export function withServiceConfigOptions(command: Command): Command {
  return command
    .option('--database-url <url>', 'Postgres URL (default: $TRIBUTARY_DATABASE_URL)')
    .option('--nats-url <url>', 'NATS URL(s), comma-separated (default: $TRIBUTARY_NATS_URL)')
    .option('--nats-creds <file>', 'NATS .creds file (default: $TRIBUTARY_NATS_CREDS)')
    .option('--nats-user <user>', 'NATS user (default: $TRIBUTARY_NATS_USER)')
    .option('--nats-password <password>', 'NATS password (default: $TRIBUTARY_NATS_PASSWORD)')
    .option('--nats-token <token>', 'NATS token (default: $TRIBUTARY_NATS_TOKEN)')
    .option('--nats-tls-ca <file>', 'CA file for NATS TLS (default: $TRIBUTARY_NATS_TLS_CA)')
    .option('--nats-tls-cert <file>', 'client certificate for NATS TLS (default: $TRIBUTARY_NATS_TLS_CERT)')
    .option('--nats-tls-key <file>', 'client key for NATS TLS (default: $TRIBUTARY_NATS_TLS_KEY)')
    .option(
      '--subject-prefix <prefix>',
      'NATS subject and stream prefix (default: $TRIBUTARY_SUBJECT_PREFIX, else tributary)',
    )
    .option(
      '--handlers <modules>',
      'executor and consolidator hosts: handler modules (.js/.mjs/.ts paths anywhere, or package names), comma-separated (default: $TRIBUTARY_HANDLERS); see docs/handlers.md',
      parseList,
    )
    .option(
      '--bootstrap-admin-token <token>',
      'api: register this token as admin at start (default: $TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN)',
    )
    .option(
      '--insecure-no-auth',
      'api: serve without authentication, every caller admin; loopback only, for a throwaway setup (default: $TRIBUTARY_INSECURE_NO_AUTH)',
    )
    .option(
      '--outbox-retention <duration>',
      'planner, fan-in: keep published outbox rows this long, e.g. 30m (default: $TRIBUTARY_OUTBOX_RETENTION, else 1h)',
      parseDurationOption,
    )
    .option(
      '--planner-adopt-every <duration>',
      'planner: look this often for running runs no replica here holds (default: $TRIBUTARY_PLANNER_ADOPT_EVERY, else 30s)',
      parsePositiveDurationOption,
    );
}

/** The flags given, as overrides of the environment's configuration (flags win). */
export function configOverrides(flags: ServiceConfigFlags): Partial<TributaryConfig> {
  const tls = {
    ...(flags.natsTlsCa ? { caFile: flags.natsTlsCa } : {}),
    ...(flags.natsTlsCert ? { certFile: flags.natsTlsCert } : {}),
    ...(flags.natsTlsKey ? { keyFile: flags.natsTlsKey } : {}),
  };
  // NATS authentication is taken as a whole: an auth flag replaces every credential of the environment.
  const authByFlag = Boolean(flags.natsCreds || flags.natsUser || flags.natsPassword || flags.natsToken);
  return {
    ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
    ...(flags.natsUrl ? { natsUrl: flags.natsUrl } : {}),
    ...(authByFlag
      ? {
          natsCreds: flags.natsCreds ?? null,
          natsUser: flags.natsUser ?? null,
          natsPassword: flags.natsPassword ?? null,
          natsToken: flags.natsToken ?? null,
        }
      : {}),
    ...(Object.keys(tls).length > 0 ? { natsTls: tls } : {}),
    ...(flags.subjectPrefix ? { subjectPrefix: flags.subjectPrefix } : {}),
    ...(flags.handlers ? { handlers: flags.handlers } : {}),
    ...(flags.bootstrapAdminToken ? { bootstrapAdminToken: flags.bootstrapAdminToken } : {}),
    ...(flags.insecureNoAuth ? { insecureNoAuth: true } : {}),
    ...(flags.outboxRetention !== undefined ? { outboxRetentionMs: flags.outboxRetention } : {}),
    ...(flags.plannerAdoptEvery !== undefined ? { plannerAdoptEveryMs: flags.plannerAdoptEvery } : {}),
  };
}

export function parseDurationOption(value: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
  return parsed.ms;
}

function parsePositiveDurationOption(value: string): number {
  const ms = parseDurationOption(value);
  if (ms <= 0) throw new InvalidArgumentError(`must be more than 0, got '${value}'`);
  return ms;
}
