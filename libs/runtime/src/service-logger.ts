import { ConsoleLogger } from '@nestjs/common';

/** Nest's own start-up chatter (module wiring, route tables): shown only at TRIBUTARY_LOG_LEVEL=debug. */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'NestMicroservice',
]);

/**
 * The services' logger: Nest's console logger with the levels of TRIBUTARY_LOG_LEVEL (default: lifecycle
 * lines; `quiet`: warnings and errors; `debug`: everything), without the framework's wiring lines unless
 * debugging, so `tributary dev` prints what an operator needs.
 */
export function serviceLogger(): ConsoleLogger {
  const level = process.env.TRIBUTARY_LOG_LEVEL;
  const logger = new ConsoleLogger({
    logLevels:
      level === 'debug'
        ? ['error', 'warn', 'log', 'debug']
        : level === 'quiet'
          ? ['error', 'warn']
          : ['error', 'warn', 'log'],
  });
  if (level === 'debug') return logger;
  const log = logger.log.bind(logger);
  logger.log = (message: unknown, ...rest: unknown[]) => {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) return;
    (log as (...args: unknown[]) => void)(message, ...rest);
  };
  return logger;
}
