import { describe, expect, it } from 'vitest';
import { parsePipelineSpec } from './parse-pipeline-spec.js';
import type { PipelineSpec } from './pipeline-spec.js';
import { unservedExecutors } from './unserved-executors.js';

function spec(source: object): PipelineSpec {
  const result = parsePipelineSpec(source, 'json');
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

const nested = spec({
  id: 'p',
  stages: [
    { id: 'a', executor: 'echo' },
    {
      group: 'g',
      over: ['x'],
      stages: [
        { id: 'b', executor: 'echo' },
        { group: 'h', over: ['y'], stages: [{ id: 'c', executor: 'slow' }] },
      ],
    },
    { id: 'd', executor: 'ghost' },
  ],
  consolidate: { executor: 'merge' },
});

describe('unservedExecutors', () => {
  it('points at every unserved task executor, at any depth, and the consolidation', () => {
    const warnings = unservedExecutors(nested, {
      tasks: new Set(['echo', 'merge']),
      consolidation: new Set(['echo']),
    });
    expect(warnings).toEqual([
      {
        path: '/stages/1/stages/1/stages/0/executor',
        message: 'no running host serves executor "slow" (live hosts serve: echo, merge)',
      },
      {
        path: '/stages/2/executor',
        message: 'no running host serves executor "ghost" (live hosts serve: echo, merge)',
      },
      {
        path: '/consolidate/executor',
        message:
          'no running consolidator serves consolidation executor "merge" (live consolidators serve: echo)',
      },
    ]);
  });

  it('says nothing when every executor is served; a task executor served only by a consolidator is not', () => {
    expect(
      unservedExecutors(nested, {
        tasks: new Set(['echo', 'slow', 'ghost']),
        consolidation: new Set(['merge']),
      }),
    ).toEqual([]);
    expect(
      unservedExecutors(nested, {
        tasks: new Set(['echo', 'slow', 'merge']),
        consolidation: new Set(['ghost']),
      }).map((w) => w.path),
    ).toEqual(['/stages/2/executor', '/consolidate/executor']);
  });

  it('names the missing kind of host when none runs', () => {
    const messages = unservedExecutors(nested, { tasks: new Set(), consolidation: new Set() }).map(
      (w) => w.message,
    );
    expect(messages[0]).toBe('no running host serves executor "echo" (no executor host is running)');
    expect(messages.at(-1)).toBe(
      'no running consolidator serves consolidation executor "merge" (no consolidator is running)',
    );
    expect(messages).toHaveLength(5);
  });
});
