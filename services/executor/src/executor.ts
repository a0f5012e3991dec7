import { HttpAddressPolicy } from '@tributary/worker-sdk';
import {
  ConfigError,
  loadConfig,
  loadSecretsKeyring,
  maxOutputBytesFrom,
  startNestService,
  type RunningService,
  type TributaryConfig,
} from '@tributary/runtime';
import { ExecutorModule } from './executor.module.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  positiveInteger,
  type ExecutorOptions,
} from './executor.options.js';
import type { ExecutorSettings } from './executor.service.js';
import { loadHostHandlers, resolveExecutorNames } from './handlers.js';

/**
 * Starts an executor host (alone, or beside the others in `tributary dev`): the built-in handlers
 * plus the modules of `options.handlers` (default `config.handlers`, TRIBUTARY_HANDLERS), serving
 * `options.executors` (default: every registered handler). Fails before connecting when a module
 * cannot be loaded, an executor name has no handler, TRIBUTARY_MAX_OUTPUT_BYTES or TRIBUTARY_HTTP_ALLOW
 * is unusable.
 * Executor hosts keep no state in Postgres: they only record the messages they terminate
 * (`dead_letters`, see `deadLetterRecorder`).
 */
export async function startExecutor(
  config: TributaryConfig = loadConfig(),
  options: ExecutorOptions = {},
): Promise<RunningService> {
  assertHttpAllowList();
  const registry = await loadHostHandlers(options.handlers ?? config.handlers);
  const settings: ExecutorSettings = {
    registry,
    executors: resolveExecutorNames(registry, options.executors),
    concurrency: positiveInteger('concurrency', options.concurrency ?? DEFAULT_CONCURRENCY),
    shutdownGraceMs: options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
    heartbeatMs: positiveInteger('heartbeatMs', options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS),
    maxOutputBytes:
      options.maxOutputBytes !== undefined
        ? positiveInteger('maxOutputBytes', options.maxOutputBytes)
        : maxOutputBytesFrom(process.env),
    secrets: loadSecretsKeyring(),
  };
  // Stateless: no migrations and no schema check at start (hosts may come up before Postgres); the lazy
  // pool only records terminated messages (dead_letters).
  return startNestService(
    'executor',
    { ...config, migrate: false },
    (infra) => ExecutorModule.register(infra, settings),
    { poolSize: 1, checkSchema: false },
  );
}

// The `http` built-in reads TRIBUTARY_HTTP_ALLOW per call; a typo there fails the host now, not every task later.
function assertHttpAllowList(): void {
  try {
    HttpAddressPolicy.fromEnvironment();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}
