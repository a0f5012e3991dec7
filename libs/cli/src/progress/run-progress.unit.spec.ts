import { describe, expect, it } from 'vitest';
import type { RunView, RunViewTask } from '../api/types.js';
import { runViewOfTasks } from '../test-support.js';
import { changedProgressLines, failureLines, progressLines, runProgress } from './run-progress.js';

const task = (
  taskId: string,
  group: string | null,
  state: string,
  extra: Partial<RunViewTask> = {},
): RunViewTask => ({
  taskId,
  stage: taskId
    .split('/')
    .pop()!
    .replace(/\[\d+\]$/, ''),
  group,
  mapIndex: null,
  label: null,
  state,
  attempt: 1,
  output: null,
  error: null,
  startedAt: null,
  finishedAt: null,
  ...extra,
});

const view = (runState: string, groups: [string, string][], tasks: RunViewTask[]): RunView =>
  runViewOfTasks(
    { id: 'r1', pipeline: 'p', version: 1, state: runState, params: {} },
    groups.map(([path, state]) => ({ path, state })),
    tasks,
  );

describe('run progress (plain-text mode)', () => {
  it('counts terminal task instances per group and lists top-level tasks on their own', () => {
    const v = view(
      'running',
      [
        ['market=LU', 'success'],
        ['market=PT', 'running'],
      ],
      [
        task('market=LU/generate', 'market=LU', 'success'),
        task('market=LU/retrieve[0]', 'market=LU', 'success'),
        task('market=LU/report', 'market=LU', 'skipped'),
        task('market=PT/generate', 'market=PT', 'success'),
        task('market=PT/retrieve[0]', 'market=PT', 'running'),
        task('market=PT/retrieve[1]', 'market=PT', 'failed'),
        task('consolidate', null, 'pending'),
      ],
    );
    expect(progressLines(v)).toEqual([
      'market=LU success 3/3',
      'market=PT running 2/3 (1 failed)',
      'consolidate pending 0/1',
    ]);
  });

  it('counts nested groups in their parent group', () => {
    const v = view(
      'running',
      [
        ['market=LU', 'running'],
        ['market=LU/lang=fr', 'success'],
      ],
      [
        task('market=LU/prepare', 'market=LU', 'success'),
        task('market=LU/lang=fr/translate', 'market=LU/lang=fr', 'success'),
      ],
    );
    expect(runProgress(v).map((e) => [e.label, e.done, e.total])).toEqual([
      ['market=LU', 2, 2],
      ['market=LU/lang=fr', 1, 1],
    ]);
  });

  it('prints only the lines that changed since the last view', () => {
    const seen = new Map<string, string>();
    const first = view(
      'running',
      [['market=LU', 'running']],
      [task('market=LU/generate', 'market=LU', 'running')],
    );
    expect(changedProgressLines(first, seen)).toEqual(['market=LU running 0/1']);
    expect(changedProgressLines(first, seen)).toEqual([]);
    const done = view(
      'success',
      [['market=LU', 'success']],
      [task('market=LU/generate', 'market=LU', 'success'), task('consolidate', null, 'success')],
    );
    expect(changedProgressLines(done, seen)).toEqual(['market=LU success 1/1', 'consolidate success 1/1']);
  });

  it('names failed task instances with their first error line, and counts upstream_failed ones', () => {
    const v = view(
      'failed',
      [['market=GR', 'failed']],
      [
        task('market=GR/retrieve[3]', 'market=GR', 'failed', {
          attempt: 3,
          error: { message: 'search API timed out\n  at …', type: 'TimeoutError', retryable: true },
        }),
        task('market=GR/report', 'market=GR', 'upstream_failed'),
      ],
    );
    expect(failureLines(v)).toEqual([
      '  market=GR/retrieve[3] failed (attempt 3): search API timed out',
      '  1 task instance(s) upstream_failed',
    ]);
  });

  it('given the api counts (groups counted, only top-level and a few failed instances listed), then the same lines', () => {
    const full = view(
      'failed',
      [['market=GR', 'failed']],
      [
        ...Array.from({ length: 12 }, (_, i) =>
          task(`market=GR/retrieve[${i}]`, 'market=GR', 'failed', { error: { message: `e${i}` } }),
        ),
        task('market=GR/report', 'market=GR', 'upstream_failed'),
        task('consolidate', null, 'upstream_failed'),
      ],
    );
    const counted: RunView = {
      ...full,
      run: { ...full.run, counts: { failed: 12, upstream_failed: 2 } },
      groups: [
        { path: 'market=GR', state: 'failed', label: null, counts: { failed: 12, upstream_failed: 1 } },
      ],
      // What readProgressView lists: the top-level instances and the first 11 failed ones.
      tasks: [...full.tasks.slice(0, 11), full.tasks[13]!],
    };
    expect(progressLines(counted)).toEqual(progressLines(full));
    expect(progressLines(counted)).toEqual([
      'market=GR failed 13/13 (13 failed)',
      'consolidate upstream_failed 1/1 (1 failed)',
    ]);
    expect(failureLines(counted)).toEqual(failureLines(full));
    expect(failureLines(counted).slice(-2)).toEqual([
      '  … and 2 more',
      '  2 task instance(s) upstream_failed',
    ]);
  });
});
