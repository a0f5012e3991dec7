import { runHasEvents, verifyAgainstCheckpoint } from '@tributary/event-store';
import { println, type CliContext } from '../context.js';
import { CliError, EXIT_FAILED } from '../errors.js';
import { jsonText } from '../output/table.js';
import { withDatabase } from './database.js';
import { loadCheckpoint, type CheckpointOptions } from './load-checkpoint.js';

/**
 * `audit verify --checkpoint c.json --public-key pub.pem [run]`: the log in Postgres against a signed
 * checkpoint — edited rows, deleted runs, truncated runs and rewritten (rehashed) chains, one line each.
 */
export async function auditVerifyCheckpoint(
  ctx: CliContext,
  runId: string | undefined,
  options: CheckpointOptions & { databaseUrl?: string; json?: boolean },
): Promise<number> {
  const checkpoint = loadCheckpoint(options);
  return withDatabase(ctx, options, async (db) => {
    const result = await verifyAgainstCheckpoint(db, checkpoint, { runId });
    if (runId !== undefined && result.runsChecked === 0) {
      if (!(await runHasEvents(db, runId)))
        throw new CliError(
          `run ${runId} is neither in checkpoint ${checkpoint.seq} nor in the log (unknown run id?)`,
        );
    }
    if (options.json) {
      ctx.io.out(jsonText(result));
      return result.ok ? 0 : EXIT_FAILED;
    }
    const scope = `${result.runsChecked} run(s) covered by checkpoint ${result.checkpointSeq}, ${result.runsNotCovered} newer`;
    if (result.ok) {
      println(ctx, `audit ok: ${scope}; every chain verifies and reaches its signed head`);
      return 0;
    }
    println(ctx, `audit FAILED: ${result.findings.length} finding(s) (${scope})`);
    for (const f of result.findings) println(ctx, `  ${f.kind}: ${f.detail}`);
    return EXIT_FAILED;
  });
}
