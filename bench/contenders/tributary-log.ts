import { sql, type Kysely } from 'kysely';
import type { Database } from '@tributary/event-store';
import { taskInstancesPerRun, type Workload } from '../lib/workload.js';
import { VerificationError, type RunTiming } from './contender.js';
import { chainStages, GROUP } from './tributary-pipeline.js';

/** The consolidation's task id (the domain's CONSOLIDATE_ID). */
const CONSOLIDATION = 'consolidate';

const ms = (value: Date | string | null): number => (value === null ? Number.NaN : new Date(value).getTime());

interface RunFacts {
  run_id: string;
  state: string | null;
  triggers: number;
  consolidations: number;
  consolidation_starts: number;
  consolidation_successes: number;
  completions: number;
  completed_success: number;
  groups_succeeded: number;
  completed_at: Date | null;
  last_group_at: Date | null;
  consolidation_started_at: Date | null;
}

export interface VerifiedRuns {
  taskInstances: number;
  /** Completion = when the planner recorded RunCompleted (event_log.recorded_at, never before its `at`). */
  completedAt: Map<string, number>;
  /** Last GroupCompleted `at` → the consolidation's TaskInstanceStarted `at` (the consolidator's handler start). */
  fanInLatenciesMs: number[];
  checks: string[];
}

/**
 * Verifies the runs from `event_log` alone: every expected task instance appears, each attempt has
 * exactly one TaskInstanceStarted and the instance's last event is TaskInstanceSucceeded; per run one
 * ConsolidationTriggered, one consolidation start and success, every group succeeded, one RunCompleted
 * (success) and the `runs` projection says success. Throws VerificationError otherwise.
 */
export async function verifyRuns(
  db: Kysely<Database>,
  runIds: string[],
  workload: Workload,
): Promise<VerifiedRuns> {
  const instances = await sql<{
    instances: number;
    bad_starts: number;
    not_succeeded: number;
    retried: number;
  }>`
    with per_task as (
      select run_id, task_id,
        count(*) filter (where type = 'TaskInstanceStarted') as starts,
        count(distinct attempt) filter (where type = 'TaskInstanceStarted') as started_attempts,
        max(attempt) as attempts,
        (array_agg(type order by run_seq desc))[1] as last_type
      from event_log
      where run_id = any(${runIds}::text[]) and task_id is not null
      group by run_id, task_id)
    select count(*)::int as instances,
      count(*) filter (where starts <> started_attempts or started_attempts <> attempts)::int as bad_starts,
      count(*) filter (where last_type <> 'TaskInstanceSucceeded')::int as not_succeeded,
      count(*) filter (where attempts > 1)::int as retried
    from per_task`.execute(db);
  const counts = instances.rows[0]!;
  const expected = runIds.length * taskInstancesPerRun(workload);
  const problems: string[] = [];
  if (counts.instances !== expected)
    problems.push(`${counts.instances} task instances in the log, expected ${expected}`);
  if (counts.bad_starts > 0)
    problems.push(`${counts.bad_starts} instances without exactly one TaskInstanceStarted per attempt`);
  if (counts.not_succeeded > 0)
    problems.push(`${counts.not_succeeded} instances not ending TaskInstanceSucceeded`);

  const facts = await sql<RunFacts>`
    select l.run_id, r.state,
      count(*) filter (where l.type = 'TriggerAccepted')::int as triggers,
      count(*) filter (where l.type = 'ConsolidationTriggered')::int as consolidations,
      count(*) filter (where l.type = 'TaskInstanceStarted' and l.task_id = ${CONSOLIDATION})::int as consolidation_starts,
      count(*) filter (where l.type = 'TaskInstanceSucceeded' and l.task_id = ${CONSOLIDATION})::int as consolidation_successes,
      count(*) filter (where l.type = 'RunCompleted')::int as completions,
      count(*) filter (where l.type = 'RunCompleted' and l.payload->>'state' = 'success')::int as completed_success,
      count(*) filter (where l.type = 'GroupCompleted' and l.payload->>'state' = 'success')::int as groups_succeeded,
      max(greatest(l.recorded_at, l.occurred_at)) filter (where l.type = 'RunCompleted') as completed_at,
      max(l.occurred_at) filter (where l.type = 'GroupCompleted') as last_group_at,
      min(l.occurred_at) filter (where l.type = 'TaskInstanceStarted' and l.task_id = ${CONSOLIDATION}) as consolidation_started_at
    from event_log l left join runs r on r.run_id = l.run_id
    where l.run_id = any(${runIds}::text[])
    group by l.run_id, r.state`.execute(db);
  if (facts.rows.length !== runIds.length)
    problems.push(`${facts.rows.length} of ${runIds.length} runs have events`);
  const bad = (what: string, test: (f: RunFacts) => boolean) => {
    const failing = facts.rows.filter((f) => !test(f));
    if (failing.length > 0) problems.push(`${failing.length} runs: ${what} (e.g. run ${failing[0]!.run_id})`);
  };
  bad('not exactly one TriggerAccepted', (f) => f.triggers === 1);
  bad('not exactly one ConsolidationTriggered', (f) => f.consolidations === 1);
  bad('consolidation not started exactly once', (f) => f.consolidation_starts === 1);
  bad('consolidation not succeeded exactly once', (f) => f.consolidation_successes === 1);
  bad(`not ${workload.groups} groups succeeded`, (f) => f.groups_succeeded === workload.groups);
  bad('not exactly one RunCompleted, success', (f) => f.completions === 1 && f.completed_success === 1);
  bad('runs projection not success', (f) => f.state === 'success');
  if (problems.length > 0) throw new VerificationError(`tributary: ${problems.join('; ')}`);

  return {
    taskInstances: counts.instances,
    completedAt: new Map(facts.rows.map((f) => [f.run_id, ms(f.completed_at)])),
    fanInLatenciesMs: facts.rows.map((f) => ms(f.consolidation_started_at) - ms(f.last_group_at)),
    checks: [
      `event_log: ${counts.instances} task instances = expected ${expected}`,
      `each attempt started exactly once, every instance ends TaskInstanceSucceeded (${counts.retried} retried)`,
      `${runIds.length} run(s), each: 1 ConsolidationTriggered, consolidation started and succeeded once, all ${workload.groups} group(s) succeeded, RunCompleted success, runs.state success`,
    ],
  };
}

/**
 * Upstream TaskInstanceSucceeded `at` → downstream TaskInstanceStarted `at` for every chained pair of
 * stages in every group (both `at`s are the executor host's clock: handler end → next handler start).
 */
export async function hopLatencies(
  db: Kysely<Database>,
  runIds: string[],
  workload: Workload,
): Promise<number[]> {
  const rows = await db
    .selectFrom('event_log')
    .select(['run_id', 'task_id', 'type', 'occurred_at'])
    .where('run_id', 'in', runIds)
    .where('type', 'in', ['TaskInstanceStarted', 'TaskInstanceSucceeded'])
    .execute();
  const at = new Map<string, number>();
  for (const row of rows) at.set(`${row.run_id} ${row.task_id} ${row.type}`, row.occurred_at.getTime());
  const stages = chainStages(workload.stages);
  const hops: number[] = [];
  for (const runId of runIds)
    for (let g = 0; g < workload.groups; g++)
      for (let i = 1; i < stages.length; i++) {
        const done = at.get(`${runId} ${GROUP}=${g}/${stages[i - 1]!.last} TaskInstanceSucceeded`);
        const started = at.get(`${runId} ${GROUP}=${g}/${stages[i]!.first} TaskInstanceStarted`);
        if (done === undefined || started === undefined)
          throw new VerificationError(
            `tributary: no hop timing for group ${g} stage ${i + 1} of run ${runId}`,
          );
        hops.push(started - done);
      }
  return hops;
}

/** The timing of each run from its trigger and the log's completion. */
export function runTimings(
  triggers: { runId: string; triggeredAt: number }[],
  completedAt: Map<string, number>,
): RunTiming[] {
  return triggers.map((t) => ({ triggeredAt: t.triggeredAt, completedAt: completedAt.get(t.runId)! }));
}
