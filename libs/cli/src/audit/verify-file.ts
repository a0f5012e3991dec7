import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { verifyExport } from '@tributary/event-store';
import { println, type CliContext } from '../context.js';
import { CliError, EXIT_FAILED } from '../errors.js';
import { jsonText } from '../output/table.js';
import { loadCheckpoint, type CheckpointOptions } from './load-checkpoint.js';

/**
 * `audit verify --file run.ndjson [--checkpoint c.json --public-key pub.pem]`: checks an export offline (no
 * database, no api): the chain from genesis, the header, and, with a checkpoint, the run's signed head.
 */
export async function auditVerifyFile(
  ctx: CliContext,
  file: string,
  options: CheckpointOptions & { json?: boolean },
): Promise<number> {
  if (!existsSync(file)) throw new CliError(`--file ${file}: no such file`);
  const checkpoint = options.checkpoint ? loadCheckpoint(options) : undefined;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const result = await verifyExport(lines, checkpoint);
  if (options.json) {
    ctx.io.out(jsonText({ file, ...result }));
    return result.ok ? 0 : EXIT_FAILED;
  }
  if (!result.ok) {
    println(ctx, `${file}: does NOT verify`);
    for (const problem of result.problems) println(ctx, `  ${problem}`);
    return EXIT_FAILED;
  }
  println(
    ctx,
    `${file}: chain ok: ${result.events} events of run ${result.runId} verify, head ${result.headHash}`,
  );
  if (result.checkpoint) {
    println(
      ctx,
      result.checkpoint.covered
        ? `  matches signed checkpoint ${result.checkpoint.seq}`
        : `  run ${result.runId} is not covered by checkpoint ${result.checkpoint.seq} (newer than it)`,
    );
  }
  return 0;
}
