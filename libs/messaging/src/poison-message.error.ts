import { RpcException } from '@nestjs/microservices';

const POISON = Symbol.for('tributary.messaging.poison-message');

/**
 * Thrown by a handler when a message can never be processed (undecodable,
 * invalid, unknown version). The runner and the NestJS transport `term` it —
 * no redelivery — and report it through `onPoison` so it can be recorded.
 *
 * It extends Nest's `RpcException` because Nest's exception layer replaces any
 * other error thrown by an `@EventPattern` handler with a generic one; the
 * error object Nest forwards keeps a reference back to this instance.
 */
export class PoisonMessageError extends RpcException {
  override readonly name = 'PoisonMessageError';
  /** Retrying cannot help: the message itself is bad. */
  readonly retryable = false;

  constructor(
    /** Why the message is refused; recorded, and shown in logs. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const forwarded: Record<string | symbol, unknown> = { status: 'error', message: reason };
    super(forwarded);
    Object.defineProperty(forwarded, POISON, { value: this, enumerable: false });
    if (options?.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, configurable: true });
  }
}

/**
 * The {@link PoisonMessageError} behind `error`, whether it is the error itself
 * or the object Nest's exception filter forwarded in its place.
 */
export function asPoisonMessageError(error: unknown): PoisonMessageError | undefined {
  if (error instanceof PoisonMessageError) return error;
  if (typeof error === 'object' && error !== null) {
    const original = (error as Record<symbol, unknown>)[POISON];
    if (original instanceof PoisonMessageError) return original;
  }
  return undefined;
}
