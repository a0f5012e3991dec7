import { writeFileSync } from 'node:fs';
import {
  EXPORT_FORMAT,
  readRunEvents,
  toExportedEvent,
  type ExportedEvent,
  type ExportHeader,
} from '@tributary/event-store';
import { eprintln, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { apiClientFor, type ApiOptions } from '../commands/shared.js';
import { withDatabase } from './database.js';

export interface ExportOptions extends ApiOptions {
  databaseUrl?: string;
  out?: string;
}

/** Events per request or query. */
const PAGE = 1000;

/**
 * `audit export <run>`: the run's NDJSON export (docs/audit.md) — a header line, then one event per line with
 * every field its hash covers — through the api (a viewer token is enough) or, with `--database-url`, from
 * Postgres. To `--out` (written whole once complete) or stdout.
 */
export async function auditExportRun(
  ctx: CliContext,
  runId: string,
  options: ExportOptions,
): Promise<number> {
  const events = options.databaseUrl
    ? await fromDatabase(ctx, runId, options)
    : await fromApi(ctx, runId, options);
  if (events.length === 0) throw new CliError(`run ${runId} has no events in the log (unknown run id?)`);
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    runId,
    events: events.length,
    headHash: events[events.length - 1]!.hash,
    exportedAt: new Date().toISOString(),
  };
  const text = [header, ...events].map((line) => JSON.stringify(line)).join('\n') + '\n';
  if (options.out === undefined) {
    ctx.io.out(text);
  } else {
    writeFileSync(options.out, text, 'utf8');
    eprintln(
      ctx,
      `exported ${events.length} events of run ${runId} to ${options.out} (head ${header.headHash})`,
    );
  }
  return 0;
}

async function fromApi(ctx: CliContext, runId: string, options: ExportOptions): Promise<ExportedEvent[]> {
  const client = apiClientFor(ctx, options);
  const events: ExportedEvent[] = [];
  for (;;) {
    const after = events.at(-1)?.runSeq ?? 0;
    const page = await client.getOrNull<ExportedEvent[]>(
      `/runs/${encodeURIComponent(runId)}/events?after=${after}&limit=${PAGE}`,
    );
    if (page === null) throw new CliError(`run ${runId} does not exist (the api answered 404)`);
    events.push(...page);
    if (page.length < PAGE) return events;
  }
}

/** Reads every page inside one snapshot, so the export is one consistent prefix of the run. */
function fromDatabase(ctx: CliContext, runId: string, options: ExportOptions): Promise<ExportedEvent[]> {
  return withDatabase(ctx, options, (db) =>
    db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        const events: ExportedEvent[] = [];
        for (;;) {
          const page = await readRunEvents(trx, runId, {
            fromRunSeq: (events.at(-1)?.runSeq ?? 0) + 1,
            limit: PAGE,
          });
          events.push(...page.map(toExportedEvent));
          if (page.length < PAGE) return events;
        }
      }),
  );
}
