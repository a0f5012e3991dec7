import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { AuditOptions } from '../audit/audit-actions.js';
import { UsageError } from '../errors.js';
import { runAudit } from './audit-shared.js';
import { withDatabaseOption, withJson } from './shared.js';

interface VerifyOptions extends AuditOptions {
  file?: string;
  checkpoint?: string;
  publicKey?: string;
}

export function registerAuditVerify(audit: Command, ctx: CliContext): void {
  withJson(
    withDatabaseOption(
      audit
        .command('verify')
        .description(
          "verify a run's hash chain in Postgres; or an export file offline (--file); or the log against a signed " +
            'checkpoint (--checkpoint --public-key: edited rows, deleted runs, rewritten chains). Exit 1 naming each problem',
        )
        .argument('[runId]', 'run id (with --checkpoint: only this run; default all runs)')
        .option('--file <run.ndjson>', 'verify an `audit export` file, without database or api')
        .option('--checkpoint <file.json>', 'a published checkpoint (`audit checkpoint --out`)')
        .option(
          '--public-key <pub.pem>',
          "the operator's Ed25519 public key the checkpoint must be signed with",
        ),
    ),
  ).action(async (runId: string | undefined, options: VerifyOptions) => {
    if (options.checkpoint !== undefined || options.publicKey !== undefined) {
      if (!options.checkpoint || !options.publicKey)
        throw new UsageError(
          '--checkpoint and --public-key go together: a checkpoint is only trusted once its signature verifies',
        );
    }
    if (options.file !== undefined) {
      if (runId !== undefined) throw new UsageError('--file verifies the run in the file: give no run id');
      const { auditVerifyFile } = await import('../audit/verify-file.js');
      ctx.exitCode = await auditVerifyFile(ctx, options.file, options);
    } else if (options.checkpoint !== undefined) {
      const { auditVerifyCheckpoint } = await import('../audit/verify-checkpoint.js');
      ctx.exitCode = await auditVerifyCheckpoint(ctx, runId, options);
    } else {
      if (runId === undefined)
        throw new UsageError('give a run id, --file <run.ndjson>, or --checkpoint <file> --public-key <pem>');
      await runAudit(ctx, 'auditVerify', runId, options);
    }
  });
}
