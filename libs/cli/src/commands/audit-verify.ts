import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { AuditOptions } from '../audit/audit-actions.js';
import { runAudit } from './audit-shared.js';
import { withDatabaseOption, withJson } from './shared.js';

export function registerAuditVerify(audit: Command, ctx: CliContext): void {
  withJson(
    withDatabaseOption(
      audit
        .command('verify')
        .description("verify a run's hash chain (reads Postgres); exit 1 naming the first row that breaks it")
        .argument('<runId>', 'run id'),
    ),
  ).action((runId: string, options: AuditOptions) => runAudit(ctx, 'auditVerify', runId, options));
}
