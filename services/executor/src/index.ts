export { startExecutor } from './executor.js';
export { ExecutorModule } from './executor.module.js';
export {
  ExecutorService,
  type ExecutorSettings,
  type ExecutorStats,
} from './executor.service.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  executorOptionsFrom,
  type ExecutorOptions,
} from './executor.options.js';
export { executorConsumer, executorDurable } from './executor.consumers.js';
export { MAX_OUTPUT_BYTES } from './attempt-results.js';
export {
  ResultPublisher,
  type ResultPublisherOptions,
  type ResultPublisherStats,
} from './result-publisher.js';
