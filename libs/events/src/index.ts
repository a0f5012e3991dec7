/**
 * @tributary/events — Tributary's message and event schemas (generated from
 * proto/tributary/v1), their codecs, subject and stream names, and headers.
 */
export * from './gen/tributary/v1/common_pb.js';
export * from './gen/tributary/v1/trigger_pb.js';
export * from './gen/tributary/v1/task_pb.js';
export * from './gen/tributary/v1/events_pb.js';
export * from './gen/tributary/v1/presence_pb.js';
export * from './gen/tributary/v1/control_pb.js';
export * from './gen/tributary/v1/fan_in_pb.js';

export * from './subject-token.js';
export * from './subjects.js';
export * from './decode-error.js';
export * from './codecs.js';
export * from './json-bytes.js';
export * from './batch-id.js';
export * from './batches.js';
export * from './headers.js';
export * from './event-type.js';
export * from './epoch-ms-timestamp.js';
export * from './invalid-event-envelope-error.js';
export * from './run-event-envelope.js';
export * from './run-event-batch.js';
