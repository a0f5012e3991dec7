import { describe, expect, it } from 'vitest';
import { encodeOperatorCommandReply, encodeOperatorCommandRequest, TaskState } from '@tributary/events';
import {
  decodeOperatorCommand,
  decodeOperatorReply,
  encodeOperatorCommand,
  encodeOperatorReply,
} from './operator-command-wire.js';
import type { OperatorCommand, OperatorReply } from './operator-commands.js';

describe('operator commands on the wire (protobuf)', () => {
  const commands: OperatorCommand[] = [
    {
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['market=LU/process[3]', '*/evaluate'],
      downstream: true,
      onlyFailed: false,
      states: ['failed', 'upstream_failed', 'up_for_retry'],
      actor: 'otto',
      reason: 'flaky upstream fixed',
      dryRun: true,
    },
    {
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['a'],
      downstream: false,
      onlyFailed: true,
      actor: 'otto',
      dryRun: false,
    },
    {
      type: 'ClearTaskInstances',
      runId: 'run-1',
      taskIds: ['a'],
      downstream: false,
      onlyFailed: false,
      states: [],
      actor: 'otto',
      dryRun: false,
    },
    {
      type: 'MarkTaskInstance',
      runId: 'run-2',
      taskId: 'consolidate',
      state: 'skipped',
      actor: 'otto',
      reason: 'by hand',
    },
    { type: 'MarkTaskInstance', runId: 'run-2', taskId: 'consolidate', state: 'failed', actor: 'otto' },
    { type: 'CancelRun', runId: 'run-3', actor: 'otto', reason: 'wrong params' },
  ];

  it.each(commands.map((c) => [c.type, c] as const))('round-trips %s unchanged', (_type, command) => {
    expect(decodeOperatorCommand(encodeOperatorCommand(command))).toStrictEqual({ ok: true, command });
  });

  it('keeps "no state filter" apart from "an empty one"', () => {
    const base: OperatorCommand = {
      type: 'ClearTaskInstances',
      runId: 'r',
      taskIds: ['a'],
      downstream: true,
      onlyFailed: false,
      actor: 'otto',
    };
    const none = decodeOperatorCommand(encodeOperatorCommand(base));
    const empty = decodeOperatorCommand(encodeOperatorCommand({ ...base, states: [] }));
    expect(none.ok && 'states' in none.command).toBe(false);
    expect(empty.ok && empty.command.type === 'ClearTaskInstances' && empty.command.states).toEqual([]);
  });

  it('gives a cancel without reason an empty one, for the planner to refuse', () => {
    const bytes = encodeOperatorCommandRequest({
      runId: 'r',
      actor: 'otto',
      command: { case: 'cancel', value: {} },
    });
    expect(decodeOperatorCommand(bytes)).toStrictEqual({
      ok: true,
      command: { type: 'CancelRun', runId: 'r', actor: 'otto', reason: '' },
    });
  });

  it('names what is wrong with a request it cannot turn into a command', () => {
    expect(decodeOperatorCommand(new Uint8Array([0x0a, 0x05, 0x61]))).toEqual({
      ok: false,
      message: expect.stringMatching(/^Cannot decode tributary\.v1\.OperatorCommandRequest from 3 bytes: /),
    });
    expect(decodeOperatorCommand(new TextEncoder().encode('{"type":"CancelRun"}'))).toMatchObject({
      ok: false,
    });
    expect(decodeOperatorCommand(encodeOperatorCommandRequest({ runId: 'r', actor: 'otto' }))).toEqual({
      ok: false,
      message: 'command is not set: expected one of clear, mark, cancel',
    });
    const badState = encodeOperatorCommandRequest({
      runId: 'r',
      actor: 'otto',
      command: {
        case: 'clear',
        value: { taskIds: ['a'], states: { states: [TaskState.FAILED, 42 as TaskState] } },
      },
    });
    expect(decodeOperatorCommand(badState)).toEqual({
      ok: false,
      message: 'clear.states.states[1] has value 42, not a task state',
    });
    const running = encodeOperatorCommandRequest({
      runId: 'r',
      actor: 'otto',
      command: { case: 'mark', value: { taskId: 'a', state: TaskState.RUNNING } },
    });
    expect(decodeOperatorCommand(running)).toEqual({
      ok: false,
      message: 'mark.state has value 4 (running): expected success, failed or skipped',
    });
    const unset = encodeOperatorCommandRequest({
      runId: 'r',
      actor: 'otto',
      command: { case: 'mark', value: { taskId: 'a' } },
    });
    expect(decodeOperatorCommand(unset)).toEqual({
      ok: false,
      message: 'mark.state has value 0 (not a task state): expected success, failed or skipped',
    });
  });

  it('round-trips replies, and names an unreadable one', () => {
    const replies: OperatorReply[] = [
      { ok: true, taskIds: ['a', 'consolidate'] },
      { ok: true, taskIds: [] },
      { ok: false, error: { code: 'run_finished', message: 'run r is already success' } },
    ];
    for (const reply of replies)
      expect(decodeOperatorReply(encodeOperatorReply(reply))).toStrictEqual({ ok: true, reply });
    expect(decodeOperatorReply(encodeOperatorCommandReply({}))).toEqual({
      ok: false,
      message: 'outcome is not set: expected done or refused',
    });
    expect(decodeOperatorReply(new Uint8Array([0xff]))).toEqual({
      ok: false,
      message: expect.stringMatching(/^Cannot decode tributary\.v1\.OperatorCommandReply from 1 bytes: /),
    });
  });
});
