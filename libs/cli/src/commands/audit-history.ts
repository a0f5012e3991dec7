import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { AuditOptions } from '../audit/audit-actions.js';
import { runAudit } from './audit-shared.js';
import { withDatabaseOption, withJson } from './shared.js';

export function registerAuditHistory(audit: Command, ctx: CliContext): void {
  withJson(
    withDatabaseOption(
      audit
        .command('history')
        .description("a run's event log, in order (reads Postgres)")
        .argument('<runId>', 'run id'),
    ),
  ).action((runId: string, options: AuditOptions) => runAudit(ctx, 'auditHistory', runId, options));
}
