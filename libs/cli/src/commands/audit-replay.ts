import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { AuditOptions } from '../audit/audit-actions.js';
import { runAudit } from './audit-shared.js';
import { withDatabaseOption, withJson } from './shared.js';

export function registerAuditReplay(audit: Command, ctx: CliContext): void {
  withJson(
    withDatabaseOption(
      audit
        .command('replay')
        .description(
          'fold the event log with the domain and compare with the projected rows; exit 1 when they differ',
        )
        .argument('<runId>', 'run id'),
    ),
  ).action((runId: string, options: AuditOptions) => runAudit(ctx, 'auditReplay', runId, options));
}
