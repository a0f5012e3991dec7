import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressThrottle } from './progress-throttle.js';

describe('ProgressThrottle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first event at once, then one message per interval with the count and the last runSeq', () => {
    const sent: [number, number][] = [];
    const throttle = new ProgressThrottle(500, (seq, n) => sent.push([seq, n]));
    throttle.add(1);
    expect(sent).toEqual([[1, 1]]);
    for (let seq = 2; seq <= 1000; seq++) throttle.add(seq);
    expect(sent).toEqual([[1, 1]]);
    vi.advanceTimersByTime(499);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([
      [1, 1],
      [1000, 999],
    ]);
    vi.advanceTimersByTime(5000);
    expect(sent).toHaveLength(2); // nothing pending: nothing sent
    throttle.add(1001); // after a quiet interval: at once
    expect(sent.at(-1)).toEqual([1001, 1]);
  });

  it('flush sends what is pending now; stop drops the timer', () => {
    const sent: [number, number][] = [];
    const throttle = new ProgressThrottle(500, (seq, n) => sent.push([seq, n]));
    throttle.add(7);
    throttle.add(8);
    throttle.add(9);
    throttle.flush();
    expect(sent).toEqual([
      [7, 1],
      [9, 2],
    ]);
    throttle.add(10);
    throttle.stop();
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(2);
  });
});
