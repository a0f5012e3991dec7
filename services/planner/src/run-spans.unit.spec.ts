import { describe, expect, it } from 'vitest';
import {
  compilePlan,
  decide,
  initialRunState,
  parsePipelineSpec,
  type RunCommand,
  type RunEvent,
  type RunState,
} from '@tributary/domain';
import { attemptSpanId, groupSpanId, runSpanId, taskInstanceSpanId } from '@tributary/telemetry';
import { spansOfCommit, type AttemptTimes } from './run-spans.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const SPEC = `
id: p
stages:
  - group: shard
    over: '["a"]'
    stages:
      - { id: check, executor: flaky, retries: 1, retryDelay: 0s }
`;

function started(): { state: RunState; send(command: RunCommand, at: number): RunEvent[] } {
  const parsed = parsePipelineSpec(SPEC, 'yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const state = initialRunState(compilePlan(parsed.spec));
  const send = (command: RunCommand, at: number) => decide(state, command, { now: at, random: () => 0.5 }).events;
  send({ type: 'StartRun', runId: 'r1', pipelineId: 'p', version: 1, params: {}, idempotencyKey: null, actor: 't' }, 1000);
  return { state, send };
}

const result = (attempt: number, outcome: 'success' | 'failed'): RunCommand => ({
  type: 'RecordTaskResult',
  runId: 'r1',
  taskId: 'shard=a/check',
  attempt,
  outcome,
  ...(outcome === 'failed' ? { error: { message: 'boom', type: 'Error', retryable: true } } : { output: null }),
});

describe('spansOfCommit', () => {
  it('emits each attempt, the instance, its group and the run with the events’ times and derived ids', () => {
    const { state, send } = started();
    const dispatch: RunCommand = { type: 'DispatchTasks', runId: 'r1', taskIds: ['shard=a/check'] };
    expect(spansOfCommit(state, TRACE, send(dispatch, 1100), new Map())).toEqual([]);

    // The failure and the retry's dispatch in ONE commit: the first attempt keeps its own dispatch time.
    const failed = send(result(1, 'failed'), 1200);
    const before = new Map<string, AttemptTimes>([
      ['shard=a/check', { attempt: 1, queuedAt: state.tasks.get('shard=a/check')!.queuedAt, startedAt: null }],
    ]);
    const retried = [...send({ type: 'Tick', runId: 'r1' }, 1250), ...send(dispatch, 1250)];
    expect(retried.map((e) => e.type)).toContain('TaskInstanceQueued');
    const first = spansOfCommit(state, TRACE, [...failed, ...retried], before);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      spanId: attemptSpanId('r1', 'shard=a/check', 1),
      parentSpanId: taskInstanceSpanId('r1', 'shard=a/check'),
      startTime: 1100,
      endTime: 1200,
      error: 'boom',
      attributes: { 'tributary.attempt': 1, 'tributary.outcome': 'up_for_retry', 'tributary.executor': 'flaky' },
    });

    const done = spansOfCommit(state, TRACE, send(result(2, 'success'), 1400), new Map());
    const byName = new Map(done.map((s) => [s.name, s]));
    expect([...byName.keys()]).toEqual([
      'attempt shard=a/check #2',
      'task shard=a/check',
      'group shard=a',
      'run p',
    ]);
    expect(byName.get('attempt shard=a/check #2')).toMatchObject({ startTime: 1250, endTime: 1400, error: null });
    expect(byName.get('task shard=a/check')).toMatchObject({
      parentSpanId: groupSpanId('r1', 'shard=a'),
      startTime: 1000,
      endTime: 1400,
      attributes: { 'tributary.task.state': 'success', 'tributary.attempts': 2 },
    });
    expect(byName.get('group shard=a')).toMatchObject({ parentSpanId: runSpanId('r1'), startTime: 1000, endTime: 1400 });
    expect(byName.get('run p')).toMatchObject({
      traceId: TRACE,
      spanId: runSpanId('r1'),
      parentSpanId: null,
      startTime: 1000,
      endTime: 1400,
      attributes: { 'tributary.run.state': 'success', 'tributary.pipeline.id': 'p' },
    });
  });
});
