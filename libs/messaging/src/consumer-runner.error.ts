/** A consumer runner could not start or lost its consumer. */
export class ConsumerRunnerError extends Error {
  override readonly name = 'ConsumerRunnerError';
  constructor(
    readonly stream: string,
    readonly durable: string,
    message: string,
    /** True for transient trouble (the runner keeps trying); false when configuration must change. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`consumer ${durable} on stream ${stream}: ${message}`, options);
  }
}

/** A handler threw or broke its contract; the message(s) were nak'ed for redelivery. */
export class HandlerFailedError extends Error {
  override readonly name = 'HandlerFailedError';
  /** Redelivery may succeed (the runner already scheduled it). */
  readonly retryable = true;
  constructor(
    readonly subject: string,
    readonly deliveryCount: number,
    readonly redeliveryDelayMs: number,
    options?: { cause?: unknown; detail?: string },
  ) {
    const detail = options?.detail ?? (options?.cause instanceof Error ? options.cause.message : String(options?.cause));
    super(`handler for ${subject} failed on delivery ${deliveryCount}, redelivery in ${redeliveryDelayMs} ms: ${detail}`, {
      cause: options?.cause,
    });
  }
}
