import { loggedRunIds, rebuildRunProjection } from '@tributary/event-store';
import { println, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { jsonText } from '../output/table.js';
import { withDatabase } from './database.js';
import { formatDifference, replayRun } from './replay.js';

export interface RebuildOptions {
  run?: string;
  databaseUrl?: string;
  json?: boolean;
}

/**
 * `projections rebuild [--run id]`: rewrites the `runs`, `groups` and `task_instances` rows of one run (or of
 * every run in the log) from the event log, printing what differed before (as `audit replay` shows it).
 */
export async function projectionsRebuild(ctx: CliContext, options: RebuildOptions): Promise<number> {
  return withDatabase(ctx, options, async (db) => {
    const runIds = options.run !== undefined ? [options.run] : await loggedRunIds(db);
    const report: { runId: string; events: number; state: string; differences: string[] }[] = [];
    for (const runId of runIds) {
      const before = await replayRun(db, runId);
      const rebuilt = await rebuildRunProjection(db, runId);
      if (!rebuilt) {
        if (options.run !== undefined)
          throw new CliError(`run ${runId} has no events in the log (unknown run id?)`);
        continue;
      }
      const differences = 'differences' in before ? before.differences.map(formatDifference) : [];
      report.push({ runId, events: rebuilt.events, state: rebuilt.state, differences });
      if (!options.json) {
        println(
          ctx,
          `run ${runId}: rebuilt from ${rebuilt.events} events (${rebuilt.state}, ${rebuilt.groups} groups, ${rebuilt.tasks} task instances)` +
            (differences.length > 0
              ? `, restored ${differences.length} difference(s):`
              : ', nothing differed'),
        );
        for (const d of differences) println(ctx, `  ${d}`);
      }
    }
    if (options.json) ctx.io.out(jsonText(report));
    else println(ctx, `${report.length} run(s) rebuilt`);
    return 0;
  });
}
