import type { RunState } from '@tributary/domain';
import { describe, expect, it } from 'vitest';
import { RunCache, runCacheBoundsFrom, type CachedRun } from './run-cache.js';

const entry = (status: string, instances: number): CachedRun => ({
  state: {
    run: { status },
    tasks: new Map(Array.from({ length: instances }, (_, i) => [`t${i}`, {}])),
  } as unknown as RunState,
  lastRunSeq: 1,
  traceparent: null,
});

describe('planner run cache bounds', () => {
  it('given more runs than maxRuns, when one is set, then the least recently used goes, finished runs first', () => {
    const cache = new RunCache({ maxRuns: 3, maxInstances: 1000 });
    cache.set('a', entry('running', 1));
    cache.set('b', entry('success', 1));
    cache.set('c', entry('running', 1));
    cache.get('a'); // a is now the most recently used
    cache.set('d', entry('running', 1));
    expect([...cache.active()].map(([id]) => id)).toEqual(['c', 'a', 'd']); // the finished b went first
    expect(cache.evictedRunning).toBe(0);
    cache.set('e', entry('running', 1));
    expect([...cache.active()].map(([id]) => id)).toEqual(['a', 'd', 'e']); // then the oldest running, c
    expect(cache.evictedRunning).toBe(1);
  });

  it('given more instances than maxInstances, then entries go until the rest fits; the one just set stays', () => {
    const cache = new RunCache({ maxRuns: 100, maxInstances: 10 });
    cache.set('a', entry('running', 4));
    cache.set('b', entry('running', 4));
    expect(cache.instanceCount).toBe(8);
    cache.set('c', entry('running', 5));
    expect([...cache.active()].map(([id]) => id)).toEqual(['b', 'c']);
    expect(cache.instanceCount).toBe(9);
    cache.set('huge', entry('running', 50)); // alone over the bound: kept, everything else goes
    expect([...cache.active()].map(([id]) => id)).toEqual(['huge']);
    cache.set('huge', entry('running', 2)); // re-set counts its new size only
    expect(cache.instanceCount).toBe(2);
    cache.evict('huge');
    expect([cache.size, cache.instanceCount]).toEqual([0, 0]);
  });

  it('has() does not make a run more recent; active() is a copy callers may await over', () => {
    const cache = new RunCache({ maxRuns: 2, maxInstances: 100 });
    cache.set('a', entry('running', 1));
    cache.set('b', entry('running', 1));
    expect(cache.has('a')).toBe(true);
    const seen: string[] = [];
    for (const [id] of cache.active()) {
      seen.push(id);
      cache.get(id); // reorders the map: the copy is not revisited
    }
    expect(seen).toEqual(['a', 'b']);
  });

  it('reads its bounds from the environment, naming a bad variable', () => {
    expect(runCacheBoundsFrom({})).toEqual({ maxRuns: 10_000, maxInstances: 2_000_000 });
    expect(runCacheBoundsFrom({ TRIBUTARY_PLANNER_CACHE_MAX_RUNS: '5' }).maxRuns).toBe(5);
    expect(() => runCacheBoundsFrom({ TRIBUTARY_PLANNER_CACHE_MAX_INSTANCES: 'lots' })).toThrow(
      'TRIBUTARY_PLANNER_CACHE_MAX_INSTANCES: expected a whole number ≥ 1, got "lots"',
    );
  });
});
