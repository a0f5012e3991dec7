import { describe, expect, it } from 'vitest';
import { DispatchBatchSchema } from './gen/tributary/v1/task_pb.js';
import { contentTypeOf, NATS_MSG_ID_HEADER, RUN_ID_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER } from './headers.js';

describe('headers', () => {
  it('uses the names JetStream and W3C trace context expect', () => {
    expect([NATS_MSG_ID_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER, RUN_ID_HEADER]).toEqual(['Nats-Msg-Id', 'traceparent', 'tracestate', 'Tributary-Run-Id']);
  });

  it('names the payload message in the content type', () => {
    expect(contentTypeOf(DispatchBatchSchema)).toBe('application/protobuf; proto=tributary.v1.DispatchBatch');
  });
});
