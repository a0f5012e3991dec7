import type { Kysely } from 'kysely';
import {
  hashedPayload,
  readRunEvents,
  verifyChain,
  type Database,
  type StoredEvent,
} from '@tributary/event-store';
import { println, type CliContext } from '../context.js';
import { CliError, EXIT_FAILED } from '../errors.js';
import { brief, formatTable, jsonText } from '../output/table.js';
import { withDatabase } from './database.js';
import { formatDifference, replayRun } from './replay.js';

export interface AuditOptions {
  databaseUrl?: string;
  json?: boolean;
}

async function eventsOf(db: Kysely<Database>, runId: string): Promise<StoredEvent[]> {
  const events = await readRunEvents(db, runId);
  if (events.length === 0) throw new CliError(`run ${runId} has no events in the log (unknown run id?)`);
  // What leaves the database is the hashed form of a payload (secrets as digests), here too.
  return events.map((event) => ({ ...event, payload: hashedPayload(event.payload) }));
}

/** `audit history`: the run's event log as a table (or JSON). */
export async function auditHistory(ctx: CliContext, runId: string, options: AuditOptions): Promise<number> {
  return withDatabase(ctx, options, async (db) => {
    const events = await eventsOf(db, runId);
    if (options.json) {
      ctx.io.out(jsonText(events));
      return 0;
    }
    println(
      ctx,
      formatTable(events, [
        { header: 'SEQ', value: (e) => e.runSeq, align: 'right' },
        { header: 'OCCURRED', value: (e) => e.occurredAt.toISOString() },
        { header: 'TYPE', value: (e) => e.type },
        { header: 'TASK / GROUP', value: (e) => e.taskId ?? subjectOf(e.payload) },
        { header: 'TRY', value: (e) => e.attempt, align: 'right' },
        { header: 'ACTOR', value: (e) => e.actor },
        { header: 'DETAIL', value: (e) => detailOf(e.payload) },
      ]),
    );
    println(ctx, `${events.length} events`);
    return 0;
  });
}

/** The group or stage an event without a task id is about. */
function subjectOf(payload: unknown): string | null {
  const p = payload as Record<string, unknown>;
  if (typeof p.groupPath === 'string') return p.groupPath;
  if (typeof p.stagePath === 'string') return p.stagePath;
  if (typeof p.blockPath === 'string') return p.blockPath;
  return null;
}

/** A short, human summary of what an event says beyond its type. */
export function detailOf(payload: unknown): string | null {
  const p = (payload ?? {}) as Record<string, any>;
  switch (p.type) {
    case 'TriggerAccepted':
      return `v${p.version} params ${brief(p.params, 50)}`;
    case 'TriggerRejected':
      return brief(
        (p.issues ?? []).map((i: { path: string; message: string }) => `${i.path}: ${i.message}`).join('; '),
        70,
      );
    case 'GroupsExpanded':
      return p.unresolved
        ? `${p.unresolved}${p.error ? `: ${p.error}` : ''}`
        : brief((p.groups ?? []).map((g: { key: string }) => g.key).join(', '), 60);
    case 'TaskMapExpanded':
      return p.length === null ? 'not mapped' : `${p.length} instances`;
    case 'TaskInstanceQueued':
      return `executor ${p.executor}`;
    case 'TaskInstanceRequeued':
      return brief(`executor ${p.executor}: ${p.reason}`, 70);
    case 'TaskInstanceStarted':
      return `on ${p.host}`;
    case 'TaskInstanceFailed':
    case 'TaskInstanceUpForRetry':
      return brief(p.error?.message ?? p.error, 70);
    case 'TaskInstanceMarked':
      return `${p.state}: ${p.reason}`;
    case 'GroupCompleted':
    case 'RunCompleted':
      return `${p.state}${p.reason ? `: ${p.reason}` : ''}`;
    case 'ConsolidationTriggered':
      return `round ${p.round}, ${(p.groups ?? []).length} groups`;
    default:
      return typeof p.reason === 'string' ? brief(p.reason, 70) : null;
  }
}

/** `audit verify`: the run's hash chain; exit 1 naming the first bad row. */
export async function auditVerify(ctx: CliContext, runId: string, options: AuditOptions): Promise<number> {
  return withDatabase(ctx, options, async (db) => {
    const result = await verifyChain(db, runId);
    if (options.json) ctx.io.out(jsonText({ runId, ...result }));
    if (result.ok && result.count === 0) {
      if (!options.json) println(ctx, `run ${runId} has no events in the log (unknown run id?)`);
      return EXIT_FAILED;
    }
    if (result.ok) {
      if (!options.json)
        println(ctx, `chain ok: ${result.count} events of run ${runId} verify, head matches`);
      return 0;
    }
    if (!options.json) {
      const row =
        result.seq === null
          ? `run_seq ${result.runSeq} (run head)`
          : `run_seq ${result.runSeq} (seq ${result.seq}, event ${result.eventId})`;
      println(ctx, `chain BROKEN at ${row}: ${result.reason}`);
      println(ctx, `  ${result.detail}`);
    }
    return EXIT_FAILED;
  });
}

/** `audit replay`: fold the log with the domain and compare with the projections; exit 1 on differences. */
export async function auditReplay(ctx: CliContext, runId: string, options: AuditOptions): Promise<number> {
  return withDatabase(ctx, options, async (db) => {
    const result = await replayRun(db, runId);
    if (options.json) ctx.io.out(jsonText(hashedPayload(result)));
    if ('notFound' in result) {
      if (!options.json) println(ctx, `run ${runId} has no events in the log (unknown run id?)`);
      return EXIT_FAILED;
    }
    if (result.ok) {
      if (!options.json) {
        println(
          ctx,
          `replay ok: ${result.events} events fold to the projected state (run ${result.state}, ${result.groups} groups, ${result.tasks} task instances)`,
        );
      }
      return 0;
    }
    if (!options.json) {
      println(
        ctx,
        `replay differs: ${result.differences.length} difference(s) between the log (${result.events} events) and the projections`,
      );
      for (const d of result.differences) println(ctx, `  ${formatDifference(d)}`);
    }
    return EXIT_FAILED;
  });
}
