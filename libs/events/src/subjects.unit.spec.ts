import { describe, expect, it } from 'vitest';
import { InvalidSubjectTokenError, assertSubjectToken, isSubjectToken } from './subject-token.js';
import { DEFAULT_SUBJECT_PREFIX, streams, subjects } from './subjects.js';

describe('subjects', () => {
  it('uses the default prefix "tributary"', () => {
    const s = subjects();
    expect(DEFAULT_SUBJECT_PREFIX).toBe('tributary');
    expect(s.prefix).toBe('tributary');
    expect(s.trigger('search-quality')).toBe('tributary.trigger.search-quality');
    expect(s.task('judge')).toBe('tributary.task.judge');
    expect(s.result('run-1')).toBe('tributary.result.run-1');
    expect(s.event('run-1', 'GroupCompleted')).toBe('tributary.event.group.run-1.GroupCompleted');
  });

  it('builds every subject and wildcard under a custom prefix', () => {
    const s = subjects('t_ab12');
    expect(s).toMatchObject({
      prefix: 't_ab12',
      triggerAll: 't_ab12.trigger.*',
      taskAll: 't_ab12.task.*',
      resultAll: 't_ab12.result.*',
      eventAll: 't_ab12.event.>',
      heartbeatAll: 't_ab12.heartbeat.*',
      presenceQuery: 't_ab12.presence.query',
      controlAll: 't_ab12.control.*',
      taskCancelledAll: 't_ab12.event.task.*.TaskInstanceCancelled',
    });
    expect(s.control('r1')).toBe('t_ab12.control.r1');
    expect(s.trigger('p1')).toBe('t_ab12.trigger.p1');
    expect(s.task('search')).toBe('t_ab12.task.search');
    expect(s.result('0190d6a4-0000-7000-8000-000000000000')).toBe('t_ab12.result.0190d6a4-0000-7000-8000-000000000000');
    expect(s.eventsOfRun('r1')).toBe('t_ab12.event.*.r1.*');
    expect(s.eventsOfCategory('group')).toBe('t_ab12.event.group.>');
    expect(s.event('r1', 'GroupCompleted')).toBe('t_ab12.event.group.r1.GroupCompleted');
    expect(s.event('r1', 'TaskInstanceQueued')).toBe('t_ab12.event.task.r1.TaskInstanceQueued');
    expect(s.event('r1', 'RunCompleted')).toBe('t_ab12.event.run.r1.RunCompleted');
    expect(s.consolidationDue('r1')).toBe('t_ab12.event.fanin.r1.ConsolidationDue');
    expect(s.heartbeat('sleep')).toBe('t_ab12.heartbeat.sleep');
  });

  it('accepts a multi-token prefix', () => {
    expect(subjects('acme.prod').task('x')).toBe('acme.prod.task.x');
  });

  it.each([
    ['trigger', (id: string) => subjects().trigger(id), 'pipeline id'],
    ['task', (id: string) => subjects().task(id), 'executor name'],
    ['result', (id: string) => subjects().result(id), 'run id'],
    ['eventsOfRun', (id: string) => subjects().eventsOfRun(id), 'run id'],
    ['heartbeat', (id: string) => subjects().heartbeat(id), 'executor name'],
  ])('%s rejects invalid tokens with a message naming the token', (_name, build, kind) => {
    for (const [token, reason] of [
      ['a.b', "contains '.' at index 1"],
      ['a*', "contains '*' at index 1"],
      ['>', "contains '>' at index 0"],
      ['my pipe', 'contains whitespace (U+0020) at index 2'],
      ['tab\there', 'contains whitespace (U+0009) at index 3'],
      ['bell\u0007', 'contains a control character (U+0007) at index 4'],
      ['', 'is empty'],
    ] as const) {
      let caught: unknown;
      try {
        build(token);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidSubjectTokenError);
      const error = caught as InvalidSubjectTokenError;
      expect(error.message).toContain(`Invalid ${kind} ${JSON.stringify(token)}: ${reason}`);
      expect(error).toMatchObject({ name: 'InvalidSubjectTokenError', kind, token });
    }
  });

  it('validates both tokens of an event subject', () => {
    expect(() => subjects().event('run.1', 'RunCompleted')).toThrow('Invalid run id "run.1"');
    expect(() => subjects().event('run-1', 'Run Completed')).toThrow('Invalid event type "Run Completed"');
  });

  it('validates the run id of an operator command subject', () => {
    expect(() => subjects().control('run.*')).toThrow('Invalid run id "run.*"');
  });

  it('rejects non-string tokens precisely', () => {
    expect(() => assertSubjectToken('run id', undefined)).toThrow('Invalid run id undefined: expected a string, got undefined');
    expect(() => assertSubjectToken('run id', null)).toThrow('got null');
  });

  it('rejects invalid prefixes', () => {
    expect(() => subjects('')).toThrow('Invalid subject prefix "": is empty');
    expect(() => subjects('a..b')).toThrow('Invalid subject prefix "a..b": has an empty token at position 1');
    expect(() => subjects('a b')).toThrow('Invalid subject prefix "a b": contains U+0020 at index 1');
    expect(() => subjects('t/x')).toThrow(`Invalid subject prefix "t/x": contains '/' at index 1`);
    expect(() => streams('t>')).toThrow(InvalidSubjectTokenError);
  });

  it('isSubjectToken answers without throwing', () => {
    expect(isSubjectToken('market-LU_1')).toBe(true);
    expect(isSubjectToken('a.b')).toBe(false);
    expect(isSubjectToken(42)).toBe(false);
  });
});

describe('streams', () => {
  it('names the default streams and their retention', () => {
    const s = streams();
    expect(s.TRIGGERS).toEqual({ name: 'TRIBUTARY_TRIGGERS', subjects: ['tributary.trigger.*'], retention: 'limits', duplicateWindowMs: 3_600_000, maxAgeMs: 7 * 86_400_000 });
    expect(s.TASKS).toEqual({ name: 'TRIBUTARY_TASKS', subjects: ['tributary.task.*'], retention: 'workqueue', duplicateWindowMs: 600_000, maxAgeMs: 0 });
    expect(s.RESULTS).toEqual({ name: 'TRIBUTARY_RESULTS', subjects: ['tributary.result.*'], retention: 'workqueue', duplicateWindowMs: 600_000, maxAgeMs: 0 });
    expect(s.EVENTS).toEqual({ name: 'TRIBUTARY_EVENTS', subjects: ['tributary.event.>'], retention: 'limits', duplicateWindowMs: 600_000, maxAgeMs: 7 * 86_400_000 });
  });

  it('prefixes stream names with the upper-cased prefix', () => {
    const s = streams('t_ab12');
    expect(Object.values(s).map((stream) => stream.name)).toEqual(['T_AB12_TRIGGERS', 'T_AB12_TASKS', 'T_AB12_RESULTS', 'T_AB12_EVENTS']);
    expect(s.TASKS.subjects).toEqual([subjects('t_ab12').taskAll]);
    expect(streams('acme.prod').EVENTS.name).toBe('ACME_PROD_EVENTS');
  });

  it('captures every subject that subjects() produces, and only its own kind', () => {
    const s = subjects('t_ab12');
    const st = streams('t_ab12');
    const matches = (filter: string, subject: string): boolean => {
      const f = filter.split('.');
      const t = subject.split('.');
      const full = f[f.length - 1] === '>';
      if (full) return t.length >= f.length && f.slice(0, -1).every((token, i) => token === '*' || token === t[i]);
      return f.length === t.length && f.every((token, i) => token === '*' || token === t[i]);
    };
    const published = { TRIGGERS: s.trigger('p'), TASKS: s.task('e'), RESULTS: s.result('r'), EVENTS: s.event('r', 'RunCompleted') };
    for (const [kind, subject] of Object.entries(published)) {
      for (const [streamKind, stream] of Object.entries(st)) {
        expect(stream.subjects.some((filter) => matches(filter, subject))).toBe(kind === streamKind);
      }
    }
    expect(Object.values(st).some((stream) => stream.subjects.some((filter) => matches(filter, s.heartbeat('e'))))).toBe(false);
  });

  it('applies options and refuses a TRIGGERS dedupe window under one hour', () => {
    const s = streams(undefined, { triggerDuplicateWindowMs: 7_200_000, eventsMaxAgeMs: 86_400_000, duplicateWindowMs: 120_000 });
    expect(s.TRIGGERS.duplicateWindowMs).toBe(7_200_000);
    expect(s.EVENTS.maxAgeMs).toBe(86_400_000);
    expect(s.TASKS.duplicateWindowMs).toBe(120_000);
    expect(() => streams(undefined, { triggerDuplicateWindowMs: 60_000 })).toThrow('triggerDuplicateWindowMs must be at least 3600000 (1 h), got 60000');
    expect(() => streams(undefined, { eventsMaxAgeMs: -1 })).toThrow('eventsMaxAgeMs must be a non-negative integer');
    expect(() => streams(undefined, { eventsMaxAgeMs: 1000 })).toThrow('duplicateWindowMs (600000) must not exceed eventsMaxAgeMs (1000)');
  });
});
