import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { parsePipelineSpec } from '@tributary/domain';
import {
  createDb,
  migrateToLatest,
  savePipelineVersion,
  type Database,
  type OutboxMessage,
} from '@tributary/event-store';
import { decodeDispatchBatch, subjects } from '@tributary/events';
import { PlanCache, type OutboxRelay } from '@tributary/runtime';
import { eventually, useTestDatabase } from '@tributary/testing';
import { DecisionEngine } from './decision-engine.js';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { RunCache } from './run-cache.js';

const BIG = `
id: big
params: { type: object }
stages:
  - { id: small, executor: fake, with: { n: 1 } }
  - { id: huge, executor: fake, dependsOn: [], with: { blob: '\${{ params.blob }}' } }
`;

const SPEC = `
id: fanout
params: { type: object }
limits: { maxActiveTasks: 1000 }
stages:
  - group: shard
    over: params.shards
    stages:
      - { id: work, executor: fake }
`;

/** The relay's part the engine uses: what it was handed to publish after each commit. */
function recordingRelay(): { relay: OutboxRelay; published: OutboxMessage[] } {
  const published: OutboxMessage[] = [];
  const relay = {
    publishCommitted: async (messages: readonly OutboxMessage[]) => void published.push(...messages),
  };
  return { relay: relay as unknown as OutboxRelay, published };
}

describe('the per-commit dispatch cap', () => {
  const database = useTestDatabase();
  let db: Kysely<Database>;
  let plans: PlanCache;

  beforeAll(async () => {
    db = createDb(database().url);
    await migrateToLatest(db);
    for (const source of [SPEC, BIG]) {
      const parsed = parsePipelineSpec(source);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      await savePipelineVersion(db, { spec: parsed.spec, source, createdBy: 'test' });
    }
    plans = new PlanCache(db);
  });

  afterAll(async () => {
    await db?.destroy();
  });

  it('dispatches 12 ready instances in commits of at most 5, the next commit following at once (no tick, no result)', async () => {
    const found = (await plans.get('fanout'))!;
    const { relay, published } = recordingRelay();
    const engine = new DecisionEngine(
      db,
      subjects('cap'),
      new RunCache(),
      plans,
      new DispatchScheduler(5),
      relay,
    );
    const runId = 'run-cap';
    await engine.execute([
      {
        runId,
        commands: [
          {
            command: {
              type: 'StartRun',
              runId,
              pipelineId: 'fanout',
              version: found.version,
              params: { shards: Array.from({ length: 12 }, (_, i) => `s${i}`) },
              idempotencyKey: null,
              actor: 'test',
              consolidationVia: 'planner',
            },
          },
        ],
        start: { plan: found.plan, traceparent: null },
      },
    ]);

    // Nothing else drives this engine: only the follow-up commits can dispatch the other 7.
    const queued = await eventually(async () => {
      const rows = await db
        .selectFrom('event_log')
        .select(['task_id', 'recorded_at'])
        .where('run_id', '=', runId)
        .where('type', '=', 'TaskInstanceQueued')
        .execute();
      expect(rows).toHaveLength(12);
      return rows;
    }, 5_000);
    await engine.flushed();

    const perCommit = new Map<number, number>();
    for (const row of queued)
      perCommit.set(row.recorded_at.getTime(), (perCommit.get(row.recorded_at.getTime()) ?? 0) + 1);
    expect([...perCommit.values()].sort()).toEqual([2, 5, 5]);
    const dispatched = published
      .filter((m) => m.subject === 'cap.task.fake')
      .flatMap((m) => {
        const batch = decodeDispatchBatch(m.payload);
        if (!batch.ok) throw batch.error;
        return batch.value.attempts.map((a) => a.taskId);
      });
    expect(dispatched.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `shard=s${i}/work`).sort());
    const states = await db
      .selectFrom('task_instances')
      .select('state')
      .where('run_id', '=', runId)
      .execute();
    expect(states.map((s) => s.state)).toEqual(Array(12).fill('queued'));
  });

  it('fails an attempt too large for one message in the commit that dispatches it; the rest is published', async () => {
    const found = (await plans.get('big'))!;
    const { relay, published } = recordingRelay();
    const engine = new DecisionEngine(
      db,
      subjects('big'),
      new RunCache(),
      plans,
      new DispatchScheduler(),
      relay,
    );
    const runId = 'run-big';
    await engine.execute([
      {
        runId,
        commands: [
          {
            command: {
              type: 'StartRun',
              runId,
              pipelineId: 'big',
              version: found.version,
              params: { blob: 'x'.repeat(500_000) },
              idempotencyKey: null,
              actor: 'test',
              consolidationVia: 'planner',
            },
          },
        ],
        start: { plan: found.plan, traceparent: null },
      },
    ]);
    await engine.flushed();
    const rows = await db
      .selectFrom('task_instances')
      .select(['task_id', 'state', 'error'])
      .where('run_id', '=', runId)
      .orderBy('task_id')
      .execute();
    expect(rows).toEqual([
      {
        task_id: 'huge',
        state: 'failed',
        error: {
          message: expect.stringMatching(
            /^the attempt's dispatch is \d+ bytes \(input, params and upstream outputs\), over the 786432-byte limit of one message$/,
          ),
          type: 'InputError',
          retryable: false,
        },
      },
      { task_id: 'small', state: 'queued', error: null },
    ]);
    const dispatched = published.filter((m) => m.subject === 'big.task.fake');
    expect(dispatched).toHaveLength(1);
    const batch = decodeDispatchBatch(dispatched[0]!.payload);
    expect(batch.ok && batch.value.attempts.map((a) => a.taskId)).toEqual(['small']);
  });
});
