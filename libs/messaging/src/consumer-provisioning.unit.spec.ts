import { nanos } from '@nats-io/transport-node';
import type { ConsumerConfig } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import {
  assertSingleFilterSubject,
  consumerConfigFor,
  ConsumerProvisioningError,
  diffConsumerConfig,
  MultipleFilterSubjectsError,
  type ConsumerDefinition,
} from './consumer-provisioning.js';

const def: ConsumerDefinition = {
  durable: 'executor-noop',
  filterSubject: 'tributary.task.noop',
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 64,
};

describe('assertSingleFilterSubject', () => {
  it('returns the one filter subject', () => {
    expect(assertSingleFilterSubject('TASKS', def)).toBe('tributary.task.noop');
  });

  it('refuses several subjects however they are smuggled in', () => {
    const attempts: unknown[] = [
      { ...def, filterSubject: ['a.x', 'a.y'] },
      { ...def, filterSubjects: ['a.x', 'a.y'] },
      { ...def, filter_subjects: ['a.y'] },
      { ...def, filterSubject: 'a.x,a.y' },
    ];
    for (const attempt of attempts) {
      expect(() => assertSingleFilterSubject('TASKS', attempt as ConsumerDefinition)).toThrow(MultipleFilterSubjectsError);
    }
    expect(() => assertSingleFilterSubject('TASKS', { ...def, filterSubject: ['a.x', 'a.y'] } as never)).toThrow(
      /consumer executor-noop on stream TASKS: 2 filter subjects given \(a\.x, a\.y\); NATS 2\.9 supports exactly one/,
    );
  });

  it('accepts the same subject given twice, and refuses none', () => {
    expect(assertSingleFilterSubject('T', { ...def, filterSubjects: ['tributary.task.noop'] } as never)).toBe('tributary.task.noop');
    expect(() => assertSingleFilterSubject('T', { ...def, filterSubject: '' })).toThrow(ConsumerProvisioningError);
  });

  it('marks the error as not retryable', () => {
    const error = new MultipleFilterSubjectsError('S', 'd', ['a', 'b']);
    expect(error.name).toBe('MultipleFilterSubjectsError');
    expect(error.retryable).toBe(false);
    expect(error).toBeInstanceOf(ConsumerProvisioningError);
  });
});

describe('consumerConfigFor / diffConsumerConfig', () => {
  it('builds an explicit-ack durable pull consumer with one filter subject', () => {
    expect(consumerConfigFor(def)).toEqual({
      durable_name: 'executor-noop',
      ack_policy: 'explicit',
      deliver_policy: 'all',
      filter_subject: 'tributary.task.noop',
      ack_wait: nanos(30_000),
      max_deliver: 5,
      max_ack_pending: 64,
    });
  });

  it('sees no difference against what the server stores, even with backoff overriding ack_wait', () => {
    const withBackoff = { ...def, backoffMs: [1_000, 5_000] };
    // NATS stores backoff[0] as ack_wait when a backoff is set.
    const stored = { ...consumerConfigFor(withBackoff), ack_wait: nanos(1_000), name: 'executor-noop' } as ConsumerConfig;
    expect(diffConsumerConfig(stored, withBackoff)).toEqual([]);
  });

  it('reports mutable and immutable differences', () => {
    const stored = { ...consumerConfigFor(def), deliver_policy: 'new', max_ack_pending: 10 } as ConsumerConfig;
    expect(diffConsumerConfig(stored, def)).toEqual([
      { field: 'deliverPolicy', current: 'new', wanted: 'all', immutable: true },
      { field: 'maxAckPending', current: 10, wanted: 64, immutable: false },
    ]);
  });
});
