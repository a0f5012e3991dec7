import { describe, expect, it } from 'vitest';
import { MultipleFilterSubjectsError } from './consumer-provisioning.js';
import { indexBindings, JetStreamBindingError, type JetStreamBinding } from './jetstream-binding.js';

const binding: JetStreamBinding = {
  pattern: 'results',
  stream: 'RESULTS',
  durable: 'planner',
  filterSubject: 'tributary.result.>',
  ackWaitMs: 30_000,
  maxDeliver: 10,
  maxAckPending: 1000,
};

describe('indexBindings', () => {
  it('indexes bindings by pattern route', () => {
    expect([...indexBindings([binding], (p) => p).keys()]).toEqual(['results']);
  });

  it('refuses a pattern bound twice, a consumer shared by two patterns, and several filter subjects', () => {
    expect(() => indexBindings([binding, { ...binding, durable: 'other' }], (p) => p)).toThrow(JetStreamBindingError);
    expect(() => indexBindings([binding, { ...binding, pattern: 'x' }], (p) => p)).toThrow(/bound to two patterns/);
    expect(() => indexBindings([{ ...binding, filterSubjects: ['a', 'b'] } as never], (p) => p)).toThrow(
      MultipleFilterSubjectsError,
    );
  });
});
