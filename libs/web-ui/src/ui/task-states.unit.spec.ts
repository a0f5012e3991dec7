import { TASK_STATES } from '@tributary/domain';
import { describe, expect, it } from 'vitest';
import { summaryState, TASK_STATE_ORDER } from './task-states';

describe('task state styles', () => {
  it('give every state of the domain a colour, and no other', () => {
    expect([...TASK_STATE_ORDER].sort()).toEqual([...TASK_STATES].sort());
  });

  it('summarise a cell by its worst state', () => {
    expect(summaryState({ success: 9, failed: 1 })).toBe('failed');
    expect(summaryState({ success: 9, running: 1 })).toBe('running');
    expect(summaryState({ success: 3, skipped: 1 })).toBe('skipped');
    expect(summaryState({ success: 3 })).toBe('success');
  });
});
