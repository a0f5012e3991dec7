import { EventEmitter } from 'node:events';
import { jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Logger, type LoggerService } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ensureConsumer } from './consumer-provisioning.js';
import type { DeadLetterEvent } from './dead-letter-advisory.js';
import type { Delivery } from './delivery.js';
import { indexBindings, JetStreamBindingError, type JetStreamBinding } from './jetstream-binding.js';
import { JetStreamConsumerRunner } from './jetstream-consumer.runner.js';
import { JetStreamContext } from './jetstream.context.js';
import { connectNats, type ConnectNatsOptions } from './nats-connection.js';
import { asPoisonMessageError } from './poison-message.error.js';
import { ensureStreams, type StreamDefinition } from './stream-provisioning.js';

/** Identifies this transport in Nest (`@EventPattern(pattern, JETSTREAM_TRANSPORT)` targets it in hybrid apps). */
export const JETSTREAM_TRANSPORT = Symbol.for('tributary.jetstream');

/** Options of {@link JetStreamServer}. */
export interface JetStreamServerOptions {
  /** An open connection to use; the server flushes but never closes it. */
  connection?: NatsConnection;
  /** How to connect when no `connection` is given (the server then drains it on close). @default env, name "tributary" */
  connect?: ConnectNatsOptions;
  /** Which consumer serves which `@EventPattern`. */
  bindings: readonly JetStreamBinding[];
  /** Streams to create or update at listen(). */
  streams?: readonly StreamDefinition[];
  /** Create/update each bound consumer at listen(). @default true */
  provisionConsumers?: boolean;
  /** Default payload decoder (throw ⇒ poison). @default the raw bytes */
  decode?: (msg: JsMsg) => unknown;
  /** Default handler calls at once per binding. @default 16 */
  concurrency?: number;
  /** Called before a poison message is termed; if it throws the message is retried. */
  onPoison?: (msg: JsMsg, reason: string, error?: unknown) => void | Promise<void>;
  /** Called when the server gave up on a message (max_deliver). */
  onDeadLetter?: (event: DeadLetterEvent) => void | Promise<void>;
  /** `error` refuses to start when a handler's pattern has no binding; `warn` only logs. @default 'error' */
  unboundHandlers?: 'error' | 'warn';
}

/** Events of {@link JetStreamServer.on}. */
export type JetStreamServerEvents = {
  disconnect: (server: string) => void;
  reconnect: (server: string) => void;
  error: (error: unknown) => void;
  poison: (msg: JsMsg, reason: string) => void;
  deadLetter: (event: DeadLetterEvent) => void;
};

/** Connection status reported through `status`. */
export type JetStreamServerStatus = 'connected' | 'disconnected' | 'reconnecting';

/**
 * NestJS transport over JetStream durable pull consumers (Nest's own NATS
 * transport is core NATS: no persistence, no acks). Each `@EventPattern`
 * named in `bindings` gets a {@link JetStreamConsumerRunner}; the handler
 * receives the decoded payload and a {@link JetStreamContext}. The message is
 * acked when the handler's promise/observable completes, nak'ed with backoff
 * when it fails, and termed (reported to `onPoison`) on `PoisonMessageError`.
 * `close()` stops pulling, waits for in-flight handlers, then closes.
 */
export class JetStreamServer
  extends Server<JetStreamServerEvents, JetStreamServerStatus>
  implements CustomTransportStrategy
{
  override transportId: symbol = JETSTREAM_TRANSPORT;
  /** Failures are settled (nak/term) by this transport, so Nest need not log them a second time. */
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger: LoggerService = new Logger('JetStreamServer');
  private readonly events = new EventEmitter();
  private readonly bindingsByRoute: Map<string, JetStreamBinding>;
  private runners: JetStreamConsumerRunner<unknown>[] = [];
  private nc: NatsConnection | undefined;

  constructor(private readonly options: JetStreamServerOptions) {
    super();
    this.bindingsByRoute = indexBindings(options.bindings, (pattern) => this.normalizePattern(pattern));
  }

  /** Connects, provisions, and starts one consumer per bound handler; `callback(err)` on failure. */
  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      await this.close().catch((closeError: unknown) => this.logger.error(closeError));
      callback(error);
    }
  }

  /** Graceful drain: stops pulling, waits for in-flight handlers, then closes (or flushes a borrowed) connection. */
  async close(): Promise<void> {
    const runners = this.runners.splice(0);
    await Promise.all(runners.map((runner) => runner.stop()));
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) {
      // drain/flush push the last acks out before we return.
      if (this.options.connection) await nc.flush();
      else await nc.drain();
    }
    if (nc) this._status$.next('disconnected');
  }

  /** Listens to connection and message events (see {@link JetStreamServerEvents}). */
  on<
    EventKey extends keyof JetStreamServerEvents = keyof JetStreamServerEvents,
    EventCallback extends JetStreamServerEvents[EventKey] = JetStreamServerEvents[EventKey],
  >(event: EventKey, callback: EventCallback): void {
    this.events.on(event, callback as (...args: unknown[]) => void);
  }

  /** The NATS connection; throws before listen(). */
  unwrap<T>(): T {
    if (!this.nc) throw new Error('JetStreamServer is not listening: call listen() (app.listen / startAllMicroservices) first');
    return this.nc as T;
  }

  private async start(): Promise<void> {
    const plan = this.planConsumers();
    const nc = this.options.connection ?? (await connectNats(this.options.connect ?? { name: 'tributary' }));
    this.nc = nc;
    this._status$.next('connected');
    void this.watchConnection(nc);

    const jsm = await jetstreamManager(nc);
    if (this.options.streams?.length) await ensureStreams(jsm, this.options.streams);
    if (this.options.provisionConsumers ?? true) {
      for (const { binding } of plan) await ensureConsumer(jsm, binding.stream, binding);
    }
    const wantsDeadLetters = this.options.onDeadLetter !== undefined || this.events.listenerCount('deadLetter') > 0;
    for (const { route, binding } of plan) {
      const runner = new JetStreamConsumerRunner<unknown>({
        nc,
        stream: binding.stream,
        durable: binding.durable,
        decode: binding.decode ?? this.options.decode,
        concurrency: binding.concurrency ?? this.options.concurrency,
        maxMessages: binding.maxMessages,
        retryBackoffMs: binding.retryBackoffMs,
        heartbeatMs: binding.heartbeatMs,
        handle: (delivery) => this.invoke(route, delivery),
        onPoison: (msg, reason, error) => this.reportPoison(msg, reason, error),
        onDeadLetter: wantsDeadLetters ? (event) => this.reportDeadLetter(event) : undefined,
        onError: (error) => this.reportError(error),
      });
      this.runners.push(runner);
      await runner.start();
    }
  }

  private planConsumers(): { route: string; binding: JetStreamBinding }[] {
    const plan: { route: string; binding: JetStreamBinding }[] = [];
    for (const [route, handler] of this.messageHandlers) {
      const binding = this.bindingsByRoute.get(route);
      if (!binding) {
        const message = `handler for pattern ${route} has no JetStream binding (stream, durable, filterSubject)`;
        if ((this.options.unboundHandlers ?? 'error') === 'error') throw new JetStreamBindingError(message);
        this.logger.warn(message);
        continue;
      }
      if (!handler.isEventHandler) {
        this.logger.warn(`pattern ${route} is a @MessagePattern: JetStream has no reply, its result is discarded`);
      }
      plan.push({ route, binding });
    }
    for (const [route, binding] of this.bindingsByRoute) {
      if (!this.messageHandlers.has(route)) {
        this.logger.warn(`binding for pattern ${route} (${binding.stream}/${binding.durable}) has no handler: not consumed`);
      }
    }
    return plan;
  }

  private async invoke(route: string, delivery: Delivery<unknown>): Promise<void> {
    const handler = this.messageHandlers.get(route) as MessageHandler;
    const ctx = new JetStreamContext([delivery.msg, delivery]);
    await new Promise<void>((resolve, reject) => {
      const started = this.runWithProcessingHooks(ctx, async (runEndHook) => {
        try {
          const result: unknown = await handler(delivery.payload, ctx);
          // Completion of the handler's promise or observable is the ack signal.
          await lastValueFrom(this.transformToObservable(result as Promise<unknown>), { defaultValue: undefined });
          resolve();
        } catch (error) {
          reject(toHandlerError(route, error));
        } finally {
          runEndHook();
        }
      }) as unknown;
      if (started instanceof Promise) started.catch(reject);
    });
  }

  private async reportPoison(msg: JsMsg, reason: string, error: unknown): Promise<void> {
    this.logger.warn(`poison message on ${msg.subject} (stream seq ${msg.info.streamSequence}) termed: ${reason}`);
    this.events.emit('poison', msg, reason);
    await this.options.onPoison?.(msg, reason, error);
  }

  private async reportDeadLetter(event: DeadLetterEvent): Promise<void> {
    this.logger.error(
      `${event.stream}/${event.consumer} gave up on stream seq ${event.streamSequence} after ${event.deliveries} deliveries`,
    );
    this.events.emit('deadLetter', event);
    await this.options.onDeadLetter?.(event);
  }

  private reportError(error: unknown): void {
    this.logger.error(error instanceof Error ? error.message : String(error));
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error);
  }

  private async watchConnection(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this._status$.next('disconnected');
          this.events.emit('disconnect', status.server);
          break;
        case 'reconnecting':
          this._status$.next('reconnecting');
          break;
        case 'reconnect':
          this._status$.next('connected');
          this.events.emit('reconnect', status.server);
          break;
        case 'error':
          this.reportError(status.error);
          break;
        default:
          break;
      }
    }
  }
}

// Nest's exception layer hands us a plain `{ status, message }` object for a
// failed handler; keep poison errors intact and make everything else an Error.
function toHandlerError(route: string, error: unknown): unknown {
  const poison = asPoisonMessageError(error);
  if (poison || error instanceof Error) return poison ?? error;
  const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  return new Error(`handler for pattern ${route} failed: ${message}`, { cause: error });
}
