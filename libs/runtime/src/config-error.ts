/** A configuration value that cannot be used, named by its variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly retryable = false;
}
