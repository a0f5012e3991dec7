import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { AuditOptions } from '../audit/audit-actions.js';
import { runAudit } from './audit-shared.js';
import { withDatabaseOption } from './shared.js';

export function registerAuditExport(audit: Command, ctx: CliContext): void {
  withDatabaseOption(
    audit
      .command('export')
      .description("a run's events as JSON lines on stdout (reads Postgres)")
      .argument('<runId>', 'run id'),
  ).action((runId: string, options: AuditOptions) => runAudit(ctx, 'auditExport', runId, options));
}
