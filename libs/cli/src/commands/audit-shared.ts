import type { CliContext } from '../context.js';
import type { AuditOptions } from '../audit/audit-actions.js';

export type AuditAction = 'auditHistory' | 'auditVerify' | 'auditReplay';

/** Loads the audit actions on use, so commands that only talk to the api never load the database driver. */
export async function runAudit(
  ctx: CliContext,
  action: AuditAction,
  runId: string,
  options: AuditOptions,
): Promise<void> {
  const actions = await import('../audit/audit-actions.js');
  ctx.exitCode = await actions[action](ctx, runId, options);
}
