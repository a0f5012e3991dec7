import { nanos } from '@nats-io/transport-node';
import type { StreamConfig } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { diffStreamConfig, streamConfigFor, type StreamDefinition } from './stream-provisioning.js';

const tasks: StreamDefinition = {
  name: 'TRIBUTARY_TASKS',
  subjects: ['tributary.task.>'],
  retention: 'workqueue',
  duplicateWindowMs: 600_000,
};

function stored(def: StreamDefinition, overrides: Partial<StreamConfig> = {}): StreamConfig {
  return { ...streamConfigFor(def), max_msgs: -1, discard: 'old', ...overrides } as StreamConfig;
}

describe('streamConfigFor', () => {
  it('maps the definition to a JetStream config in nanoseconds', () => {
    expect(streamConfigFor({ ...tasks, maxAgeMs: 3_600_000 })).toEqual({
      name: 'TRIBUTARY_TASKS',
      subjects: ['tributary.task.>'],
      retention: 'workqueue',
      storage: 'file',
      num_replicas: 1,
      max_age: nanos(3_600_000),
      duplicate_window: nanos(600_000),
    });
  });

  it('leaves the dedupe window to the server when not given', () => {
    expect(streamConfigFor({ name: 'E', subjects: ['e.>'], retention: 'limits' })).not.toHaveProperty('duplicate_window');
  });
});

describe('diffStreamConfig', () => {
  it('finds nothing to change when the server holds the definition (subjects in any order)', () => {
    const def = { ...tasks, subjects: ['a.>', 'b.>'] };
    expect(diffStreamConfig(stored(def, { subjects: ['b.>', 'a.>'] }), def)).toEqual([]);
  });

  it('ignores the server default dedupe window when the definition does not set one', () => {
    const def: StreamDefinition = { name: 'E', subjects: ['e.>'], retention: 'limits' };
    expect(diffStreamConfig(stored(def, { duplicate_window: nanos(120_000) }), def)).toEqual([]);
  });

  it('flags retention and storage as immutable, limits as updatable', () => {
    const current = stored(tasks, { retention: 'limits', max_age: nanos(1_000) } as Partial<StreamConfig>);
    expect(diffStreamConfig(current, tasks)).toEqual([
      { field: 'retention', current: 'limits', wanted: 'workqueue', immutable: true },
      { field: 'maxAgeMs', current: 1_000, wanted: 0, immutable: false },
    ]);
  });
});
