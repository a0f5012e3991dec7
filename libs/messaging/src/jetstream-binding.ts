import type { JsMsg } from '@nats-io/jetstream';
import { assertSingleFilterSubject, type ConsumerDefinition } from './consumer-provisioning.js';

/**
 * Routes one `@EventPattern(pattern)` to a durable pull consumer: the pattern
 * is a subject or a logical name, `filterSubject` is what the consumer reads.
 */
export interface JetStreamBinding extends ConsumerDefinition {
  /** The value given to `@EventPattern`. */
  readonly pattern: string;
  /** Stream the consumer belongs to. */
  readonly stream: string;
  /** Handler calls at once for this binding. @default the server's `concurrency` */
  readonly concurrency?: number;
  /** Payload decoder for this binding (throw ⇒ poison). @default the server's `decode` */
  readonly decode?: (msg: JsMsg) => unknown;
  /** Nak delays after a handler failure. @default the consumer's backoff, else 1 s, 5 s, 30 s, 2 min */
  readonly retryBackoffMs?: readonly number[];
  /** Automatic `working()` while the handler runs. @default off */
  readonly heartbeatMs?: number;
  /** Messages pulled ahead of the handlers. */
  readonly maxMessages?: number;
}

/** The bindings and the registered handlers do not fit together. Never retryable: fix the configuration. */
export class JetStreamBindingError extends Error {
  override readonly name = 'JetStreamBindingError';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Checks the bindings on their own (one per pattern, one filter subject each)
 * and returns them by pattern route, as computed by `route`.
 */
export function indexBindings(
  bindings: readonly JetStreamBinding[],
  route: (pattern: string) => string,
): Map<string, JetStreamBinding> {
  const byRoute = new Map<string, JetStreamBinding>();
  const consumers = new Set<string>();
  for (const binding of bindings) {
    const key = route(binding.pattern);
    if (byRoute.has(key)) throw new JetStreamBindingError(`pattern "${binding.pattern}" is bound twice`);
    const consumer = `${binding.stream}/${binding.durable}`;
    if (consumers.has(consumer)) {
      throw new JetStreamBindingError(`consumer ${consumer} is bound to two patterns; give each pattern its own durable`);
    }
    assertSingleFilterSubject(binding.stream, binding);
    byRoute.set(key, binding);
    consumers.add(consumer);
  }
  return byRoute;
}
