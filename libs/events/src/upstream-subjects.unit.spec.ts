import { describe, expect, it } from 'vitest';
import { InvalidSubjectTokenError } from './subject-token.js';
import { subjects, upstreamStreamName } from './subjects.js';

describe('subjects of upstream triggers', () => {
  it('puts rejection notices one token below the trigger subjects, so TRIGGERS (p.trigger.*) never captures them', () => {
    const s = subjects('t.ab');
    expect(s.triggerRejected('catalog')).toBe('t.ab.trigger.rejected.catalog');
    expect(s.triggerRejectedAll).toBe('t.ab.trigger.rejected.*');
    expect(s.triggerRejected('catalog').split('.').length).toBe(s.triggerAll.split('.').length + 1);
  });

  it('validates the pipeline id token', () => {
    expect(() => subjects().triggerRejected('a.b')).toThrow(InvalidSubjectTokenError);
    expect(() => subjects().triggerRejected('a>')).toThrow(/pipeline id "a>": contains '>'/);
  });

  it('names the managed stream after the prefix, as the other streams', () => {
    expect(upstreamStreamName()).toBe('TRIBUTARY_UPSTREAM');
    expect(upstreamStreamName('t_ab.x')).toBe('T_AB_X_UPSTREAM');
    expect(() => upstreamStreamName('bad prefix')).toThrow(InvalidSubjectTokenError);
  });
});
