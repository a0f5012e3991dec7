import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { CheckpointCommandOptions } from '../audit/checkpoint-actions.js';
import { parsePositiveInt, withDatabaseOption, withJson } from './shared.js';

export function registerAuditCheckpoint(audit: Command, ctx: CliContext): void {
  withJson(
    withDatabaseOption(
      audit
        .command('checkpoint')
        .description(
          "sign a checkpoint over every run's head (docs/audit.md); refused (exit 1) when the log does not extend the previous one. " +
            'Run it from cron on a host that holds the key',
        )
        .option('--sign-key <key.pem>', 'Ed25519 private key (PEM) to sign with (`audit keygen`)')
        .option('--out <dir>', 'also write checkpoint-<seq>.json and .sig there, to publish')
        .option('--stored', 'write a stored checkpoint again instead of creating one (the latest, or --seq)')
        .option('--seq <n>', 'with --stored: which checkpoint', parsePositiveInt),
    ),
  ).action(async (options: CheckpointCommandOptions) => {
    const { auditCheckpoint } = await import('../audit/checkpoint-actions.js');
    ctx.exitCode = await auditCheckpoint(ctx, options);
  });
}

export function registerAuditKeygen(audit: Command, ctx: CliContext): void {
  audit
    .command('keygen')
    .description('create an Ed25519 key pair to sign checkpoints: <out> (private, 0600) and <out>.pub.pem')
    .requiredOption('--out <key.pem>', 'where to write the private key')
    .option('--force', 'replace existing files')
    .action(async (options: { out: string; force?: boolean }) => {
      const { auditKeygen } = await import('../audit/checkpoint-actions.js');
      ctx.exitCode = auditKeygen(ctx, options);
    });
}
