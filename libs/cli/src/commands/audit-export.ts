import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { ExportOptions } from '../audit/export-run.js';
import { withApiOptions, withDatabaseOption } from './shared.js';

export function registerAuditExport(audit: Command, ctx: CliContext): void {
  withDatabaseOption(
    withApiOptions(
      audit
        .command('export')
        .description(
          "a run's events as NDJSON (docs/audit.md): a header line, then one event per line with all its hash covers; " +
            'through the api (viewer token), or from Postgres with --database-url',
        )
        .argument('<runId>', 'run id')
        .option('--out <file>', 'write to this file instead of stdout'),
    ),
    'read Postgres directly instead of the api',
  ).action(async (runId: string, options: ExportOptions) => {
    const { auditExportRun } = await import('../audit/export-run.js');
    ctx.exitCode = await auditExportRun(ctx, runId, options);
  });
}
