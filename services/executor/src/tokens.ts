/** DI token of the service's Infrastructure (connections, subjects, streams). */
export const INFRASTRUCTURE = Symbol('tributary.infrastructure');

/** DI token of the host's ExecutorSettings (handlers, executor names, limits). */
export const EXECUTOR_SETTINGS = Symbol('tributary.executor.settings');
