/**
 * Thrown when a test needs Postgres or NATS and neither the configured server
 * answers nor a Docker engine exists to start one. The message lists every way
 * to fix it, so a failing CI log is enough to act on.
 */
export class InfrastructureUnavailableError extends Error {
  override readonly name = 'InfrastructureUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
