import { appendEvents } from '@tributary/event-store';
import type { ApiHarness } from './api-harness.js';

export const RUN = '0b8e3f0a-1d2c-4e5f-8a9b-0c1d2e3f4a5b';
export const T0 = new Date('2024-05-01T10:00:00.000Z');
export const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** A fake run written straight into the event log and the projections (no planner involved). */
export async function insertFakeRun(h: ApiHarness): Promise<void> {
  const db = h.api.infra.db;
  await appendEvents(db, {
    events: ['TriggerAccepted', 'RunPlanned', 'TaskInstanceSucceeded'].map((type, i) => ({
      eventId: `00000000-0000-4000-8000-00000000000${i}`,
      runId: RUN,
      type,
      taskId: type === 'TaskInstanceSucceeded' ? 'market=LU/fetch' : null,
      attempt: type === 'TaskInstanceSucceeded' ? 1 : null,
      payload: { type, n: i },
      actor: i === 0 ? 'otto' : 'planner',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      occurredAt: at(i),
    })),
    project: async (trx) => {
      await trx
        .insertInto('runs')
        .values({
          run_id: RUN,
          pipeline_id: 'shipping',
          pipeline_version: 2,
          state: 'running',
          params: JSON.stringify({ markets: ['LU', 'PT'] }),
          created_at: T0,
        })
        .execute();
      await trx
        .insertInto('groups')
        .values(
          ['market=PT', 'market=LU'].map((path) => ({
            run_id: RUN,
            path,
            block: 'market',
            key: path.slice(7),
            parent_path: null,
            state: path === 'market=LU' ? 'running' : 'failed',
            value: JSON.stringify(path.slice(7)),
          })),
        )
        .execute();
      const task = (taskId: string, extra: Record<string, unknown>) => ({
        run_id: RUN,
        task_id: taskId,
        stage: taskId.includes('process')
          ? 'market/process'
          : taskId === 'consolidate'
            ? 'consolidate'
            : 'market/fetch',
        group_path: taskId === 'consolidate' ? null : taskId.split('/')[0]!,
        map_index: null,
        executor: 'noop',
        state: 'pending',
        ...extra,
      });
      await trx
        .insertInto('task_instances')
        .values([
          task('market=LU/process[1]', { map_index: 1, state: 'running', attempt: 2, started_at: at(5) }),
          task('market=LU/fetch', {
            state: 'success',
            attempt: 1,
            output: JSON.stringify([0, 1]),
            started_at: at(1),
            finished_at: at(2),
          }),
          task('consolidate', {}),
          task('market=LU/process[0]', {
            map_index: 0,
            state: 'failed',
            attempt: 3,
            error: JSON.stringify({ message: 'boom', type: 'Error', retryable: false }),
            started_at: at(3),
            finished_at: at(4),
          }),
        ])
        .execute();
      await trx
        .insertInto('task_logs')
        .values(
          [1, 2, 2].map((attempt, i) => ({
            run_id: RUN,
            task_id: 'market=LU/process[1]',
            attempt,
            at: at(10 + i),
            level: i === 2 ? 'warn' : 'info',
            message: `line ${i}`,
            fields: i === 1 ? JSON.stringify({ k: 'v' }) : null,
          })),
        )
        .execute();
    },
  });
}
