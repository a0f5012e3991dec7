import { loadConfig, type TributaryConfig } from '@tributary/runtime';
import { eprintln, println, type CliContext } from '../context.js';
import { EXIT_FAILED } from '../errors.js';
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
