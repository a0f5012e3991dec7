export {
  connectNats,
  DEFAULT_NATS_URL,
  NatsConnectionError,
  natsOptionsFromEnv,
  resolveNatsConnectionOptions,
  type ConnectNatsOptions,
  type NatsTlsOptions,
} from './nats-connection.js';
export {
  diffStreamConfig,
  ensureStream,
  ensureStreams,
  streamConfigFor,
  StreamProvisioningError,
  type ConfigDifference,
  type EnsuredStream,
  type ProvisioningAction,
  type StreamDefinition,
} from './stream-provisioning.js';
export {
  assertSingleFilterSubject,
  consumerConfigFor,
  ConsumerProvisioningError,
  diffConsumerConfig,
  ensureConsumer,
  MultipleFilterSubjectsError,
  type ConsumerDefinition,
  type EnsuredConsumer,
} from './consumer-provisioning.js';
export {
  headerRecord,
  MSG_ID_HEADER,
  msgIdOf,
  outgoingHeaders,
  traceContextOfHeaders,
  traceContextOfMessage,
} from './message-headers.js';
export {
  publish,
  PublishError,
  publishMany,
  type OutgoingMessage,
  type PublishManyOptions,
  type PublishOptions,
  type PublishResult,
  type PublishSettlement,
} from './publish.js';
export { Outcome } from './message-outcome.js';
export { asPoisonMessageError, PoisonMessageError } from './poison-message.error.js';
export { DEFAULT_RETRY_BACKOFF_MS, redeliveryDelayMs } from './redelivery-backoff.js';
export { maxDeliveriesAdvisorySubject, subscribeDeadLetters, type DeadLetterEvent } from './dead-letter-advisory.js';
export { createDelivery, type BatchDeliveryHandler, type Delivery, type DeliveryHandler } from './delivery.js';
export { ConsumerRunnerError, HandlerFailedError } from './consumer-runner.error.js';
export type { CommonRunnerOptions, ConsumerRunnerOptions } from './consumer-runner.options.js';
export { JetStreamConsumerRunner, type ConsumerRunnerStats } from './jetstream-consumer.runner.js';
export { JetStreamContext } from './jetstream.context.js';
export { indexBindings, JetStreamBindingError, type JetStreamBinding } from './jetstream-binding.js';
export {
  JETSTREAM_TRANSPORT,
  JetStreamServer,
  type JetStreamServerEvents,
  type JetStreamServerOptions,
  type JetStreamServerStatus,
} from './jetstream.transport.js';
