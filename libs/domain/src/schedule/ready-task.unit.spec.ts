import { describe, expect, it } from 'vitest';
import { compareReadyTasks, inDispatchOrder } from './ready-task.js';
import { readyTask } from './schedule.fixture.js';

describe('compareReadyTasks', () => {
  it.each([
    ['higher priority first', { priority: 2 }, { priority: 1 }],
    ['same priority: earlier readyAt first', { readyAt: 1 }, { readyAt: 2 }],
    ['same readyAt: lower readySeq first', { readySeq: 1 }, { readySeq: 2 }],
    ['priority beats FIFO', { priority: 2, readyAt: 99 }, { priority: 1, readyAt: 0 }],
    ['full tie: runId breaks it', { runId: 'a' }, { runId: 'b' }],
  ] as const)('given %s, then the first goes before the second', (_why, first, second) => {
    const a = readyTask({ taskId: 't', ...first });
    const b = readyTask({ taskId: 't', ...second });
    expect(compareReadyTasks(a, b)).toBeLessThan(0);
    expect(compareReadyTasks(b, a)).toBeGreaterThan(0);
  });
});

describe('inDispatchOrder', () => {
  it('given a ready set already in order, then it returns the same array without copying', () => {
    const ready = [readyTask({ taskId: 'a', readySeq: 1 }), readyTask({ taskId: 'b', readySeq: 2 })];
    expect(inDispatchOrder(ready)).toBe(ready);
  });

  it('given a ready set out of order, then it returns a sorted copy and leaves the input alone', () => {
    const ready = [readyTask({ taskId: 'b', readySeq: 2 }), readyTask({ taskId: 'a', readySeq: 1 })];
    const ordered = inDispatchOrder(ready);
    expect(ordered.map((t) => t.taskId)).toEqual(['a', 'b']);
    expect(ready.map((t) => t.taskId)).toEqual(['b', 'a']);
  });
});
