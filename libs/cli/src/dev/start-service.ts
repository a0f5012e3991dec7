import { loadConfig, type TributaryConfig } from '@tributary/runtime';
import { eprintln, println, type CliContext } from '../context.js';
import { CliError, EXIT_FAILED } from '../errors.js';
import { redact } from './infrastructure-plan.js';
import { loadServiceStarter, nextStopSignal, type ServiceName } from './services.js';

export interface StartOptions {
  /** Configuration flags (connection, prefix, handlers, tokens, retention) over the environment. */
  overrides?: Partial<TributaryConfig>;
  migrate?: boolean;
  host?: string;
  port?: number;
  executors?: string[];
  concurrency?: number;
  /** Executor: how long running attempts may finish on stop before they are aborted. */
  shutdownGrace?: number;
}

/** `tributary start <service>`: one service alone, configured from the environment and flags, until Ctrl-C. */
export async function runStart(ctx: CliContext, name: ServiceName, options: StartOptions): Promise<number> {
  const overrides: Partial<TributaryConfig> = {
    ...options.overrides,
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
    ...(options.host ? { apiHost: options.host } : {}),
    ...(options.port !== undefined ? { apiPort: options.port } : {}),
  };
  const config = loadConfig(ctx.env, overrides);
  const serviceOptions: Record<string, unknown> =
    name === 'api'
      ? { host: config.apiHost, port: config.apiPort }
      : name === 'executor'
        ? {
            ...(options.executors ? { executors: options.executors } : {}),
            ...(options.concurrency ? { concurrency: options.concurrency } : {}),
            ...(options.shutdownGrace !== undefined ? { shutdownGraceMs: options.shutdownGrace } : {}),
          }
        : {};
  let service;
  try {
    const start = await loadServiceStarter(name);
    service = await start(config, serviceOptions);
  } catch (error) {
    eprintln(ctx, `error: ${name} could not start: ${(error as Error).message}`);
    return EXIT_FAILED;
  }
  println(
    ctx,
    `${name} started (pid ${process.pid}, subject prefix ${config.subjectPrefix})${service.url ? ` at ${service.url}` : ''}; Ctrl-C stops it`,
  );
  const signal = await nextStopSignal();
  println(ctx, `${signal}: draining ${name}…`);
  try {
    await service.stop();
  } catch (error) {
    eprintln(ctx, `error: ${name} did not stop cleanly: ${(error as Error).message}`);
    return EXIT_FAILED;
  }
  println(ctx, 'stopped');
  return 0;
}

/** `tributary migrate`: brings the schema at the database URL to the newest migration. */
export async function runMigrate(ctx: CliContext, databaseUrl: string | undefined): Promise<number> {
  const { createDb, ensureDatabase, migrateToLatest } = await import('@tributary/event-store');
  const url = databaseUrl ?? loadConfig(ctx.env).databaseUrl;
  if (await ensureDatabase(url)) println(ctx, `created database ${new URL(url).pathname.slice(1)}`);
  const db = createDb(url, { maxConnections: 1, applicationName: 'tributary-migrate' });
  try {
    const { executed } = await migrateToLatest(db);
    println(
      ctx,
      executed.length > 0
        ? `applied ${executed.length} migration(s) to ${redact(url)}: ${executed.join(', ')}`
        : `schema at ${redact(url)} is up to date`,
    );
    return 0;
  } catch (error) {
    throw new CliError(`cannot migrate ${redact(url)}: ${(error as Error).message}`);
  } finally {
    await db.destroy().catch(() => undefined);
  }
}
