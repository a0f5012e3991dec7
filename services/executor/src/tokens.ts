/** DI token of the host's ExecutorSettings (handlers, executor names, limits). */
export const EXECUTOR_SETTINGS = Symbol('tributary.executor.settings');
