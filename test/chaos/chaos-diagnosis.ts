/** What the harness keeps of a run for later study: a diagnosis of a stalled or failed run, its event log, service logs. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ThrowawayNats } from '../support/throwaway-nats.js';
import type { TributarySystem } from '../support/tributary-system.js';
import { consumerStates, histogram } from './chaos-checks.js';
import type { ChaosConfig } from './chaos-config.js';

/** What a stalled or failed run looks like: projections, the fan-in's row, outbox, consumers; into diagnosis.txt. */
export async function diagnose(
  system: TributarySystem,
  runId: string,
  config: ChaosConfig,
  runDir: string,
  nats: ThrowawayNats,
): Promise<void> {
  const lines: string[] = [`run ${runId}`];
  const attempt = async (what: string, fn: () => Promise<string>) => {
    try {
      lines.push(`${what}: ${await fn()}`);
    } catch (error) {
      lines.push(`${what}: (failed: ${String(error)})`);
    }
  };
  await attempt('run', async () =>
    JSON.stringify(
      await system.db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    ),
  );
  await attempt('head', async () =>
    JSON.stringify(
      await system.db.selectFrom('run_streams').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    ),
  );
  await attempt('task states', async () => {
    const rows = await system.db
      .selectFrom('task_instances')
      .select(['stage', 'state'])
      .where('run_id', '=', runId)
      .execute();
    return `${rows.length} rows: ${histogram(rows.map((r) => `${r.stage}:${r.state}`))}`;
  });
  await attempt('not terminal (first 20)', async () =>
    JSON.stringify(
      await system.db
        .selectFrom('task_instances')
        .select(['task_id', 'state', 'attempt', 'queued_at', 'started_at', 'next_retry_at'])
        .where('run_id', '=', runId)
        .where('state', 'not in', ['success', 'failed', 'skipped', 'upstream_failed'])
        .limit(20)
        .execute(),
    ),
  );
  await attempt('groups', async () => {
    const rows = await system.db.selectFrom('groups').select(['state']).where('run_id', '=', runId).execute();
    return histogram(rows.map((r) => r.state));
  });
  await attempt('fan_in_runs', async () =>
    JSON.stringify(
      await system.db.selectFrom('fan_in_runs').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    ),
  );
  await attempt('event types', async () => {
    const rows = await system.db
      .selectFrom('event_log')
      .select(['type'])
      .where('run_id', '=', runId)
      .execute();
    return histogram(rows.map((r) => r.type));
  });
  await attempt('last 30 events', async () =>
    (
      await system.db
        .selectFrom('event_log')
        .select(['run_seq', 'type', 'task_id', 'attempt', 'recorded_at'])
        .where('run_id', '=', runId)
        .orderBy('run_seq', 'desc')
        .limit(30)
        .execute()
    )
      .reverse()
      .map(
        (e) =>
          `\n  ${e.run_seq} ${e.recorded_at.toISOString()} ${e.type} ${e.task_id ?? ''}#${e.attempt ?? ''}`,
      )
      .join(''),
  );
  await attempt('outbox unpublished', async () => {
    const rows = await system.db
      .selectFrom('outbox')
      .select(['subject', 'created_at'])
      .where('published_at', 'is', null)
      .orderBy('id')
      .limit(20)
      .execute();
    return `${rows.length}${rows.map((r) => `\n  ${r.created_at.toISOString()} ${r.subject}`).join('')}`;
  });
  await attempt('consumers', async () =>
    (await consumerStates(nats.url, system.prefix)).map((c) => `\n  ${c.describe}`).join(''),
  );
  await attempt('processes', async () =>
    system.processes.map((p) => `${p.name}:${p.running ? `up pid ${p.pid}` : 'down'}`).join(', '),
  );
  writeFileSync(join(runDir, 'diagnosis.txt'), `${lines.join('\n')}\n`);
  config.log(`  diagnosis: ${join(runDir, 'diagnosis.txt')}\n${lines.map((l) => `    ${l}`).join('\n')}`);
}

/** The run's log, one event a line (run_seq, recorded and occurred times, type, task, attempt, actor), for later study. */
export async function saveEventLog(system: TributarySystem, runId: string, file: string): Promise<void> {
  const rows = await system.db
    .selectFrom('event_log')
    .select(['run_seq', 'recorded_at', 'occurred_at', 'type', 'task_id', 'attempt', 'actor', 'payload'])
    .where('run_id', '=', runId)
    .orderBy('run_seq')
    .execute();
  const lines = rows.map((r) =>
    [
      r.run_seq,
      r.recorded_at.toISOString(),
      r.occurred_at.toISOString(),
      r.type,
      r.task_id ?? '',
      r.attempt ?? '',
      r.actor ?? '',
      detailOf(r.payload),
    ].join('\t'),
  );
  writeFileSync(
    file,
    `run_seq\trecorded_at\toccurred_at\ttype\ttask_id\tattempt\tactor\tdetail\n${lines.join('\n')}\n`,
  );
}

/** An event's error (`type: message`), reason or host, on one line. */
function detailOf(payload: unknown): string {
  const p = (payload ?? {}) as {
    error?: { type?: string; message?: string };
    reason?: string;
    host?: string;
  };
  const text = p.error ? `${p.error.type}: ${p.error.message}` : (p.reason ?? p.host ?? '');
  return String(text).replace(/\s+/g, ' ').slice(0, 300);
}

export function saveLogs(system: TributarySystem, nats: ThrowawayNats, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const p of system.processes) writeFileSync(join(dir, `${p.name}.log`), p.log);
  writeFileSync(join(dir, 'nats-server.log'), nats.log);
}
