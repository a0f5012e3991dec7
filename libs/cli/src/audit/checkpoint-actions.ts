import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CheckpointRefusedError,
  createCheckpoint,
  generateSigningKey,
  keyIdOf,
  parsePrivateKey,
  readCheckpointDocument,
  type CheckpointDocument,
} from '@tributary/event-store';
import { println, type CliContext } from '../context.js';
import { CliError, EXIT_FAILED, UsageError } from '../errors.js';
import { jsonText } from '../output/table.js';
import { withDatabase } from './database.js';

export interface CheckpointCommandOptions {
  signKey?: string;
  out?: string;
  databaseUrl?: string;
  stored?: boolean;
  seq?: number;
  json?: boolean;
}

/** `audit keygen --out key.pem`: a new Ed25519 key pair, private key 0600, public key next to it. */
export function auditKeygen(ctx: CliContext, options: { out: string; force?: boolean }): number {
  const publicPath = options.out.replace(/(\.pem)?$/, '.pub.pem');
  for (const path of [options.out, publicPath])
    if (existsSync(path) && !options.force)
      throw new CliError(`${path} exists; not overwriting a key (--force to replace it)`);
  const { privateKeyPem, publicKeyPem } = generateSigningKey();
  writeFileSync(options.out, privateKeyPem, { mode: 0o600 });
  chmodSync(options.out, 0o600);
  writeFileSync(publicPath, publicKeyPem, { mode: 0o644 });
  println(ctx, `private key ${options.out} (keep it off the database and service hosts)`);
  println(ctx, `public key  ${publicPath} (publish it for auditors)`);
  println(ctx, `key id      ${keyIdOf(parsePrivateKey(privateKeyPem, options.out))}`);
  return 0;
}

/**
 * `audit checkpoint --sign-key key.pem [--out dir/]`: creates, signs and stores the next checkpoint (refused,
 * exit 1, when the log does not extend the previous one). `--stored [--seq n]` writes a stored one again.
 */
export async function auditCheckpoint(ctx: CliContext, options: CheckpointCommandOptions): Promise<number> {
  if (options.stored && options.signKey)
    throw new UsageError('--stored writes a stored checkpoint again; it signs nothing (drop --sign-key)');
  if (!options.stored && !options.signKey)
    throw new UsageError(
      '--sign-key <key.pem> is required to create a checkpoint (create one with `tributary audit keygen`)',
    );
  const signingKey = options.signKey ? parsePrivateKey(readKey(options.signKey), options.signKey) : null;
  return withDatabase(ctx, options, async (db) => {
    let document: CheckpointDocument | null;
    if (signingKey) {
      try {
        document = await createCheckpoint(db, signingKey);
      } catch (error) {
        if (isUndefinedTable(error))
          throw new CliError(
            `${(error as Error).message}: the database lacks the checkpoint tables; run \`tributary migrate\` (migration 015) as the owner`,
          );
        if (!(error instanceof CheckpointRefusedError)) throw error;
        println(ctx, `checkpoint REFUSED: the log does not extend the previous checkpoint`);
        for (const problem of error.problems) println(ctx, `  ${problem}`);
        return EXIT_FAILED;
      }
    } else {
      document = await readCheckpointDocument(db, options.seq);
      if (!document)
        throw new CliError(
          options.seq === undefined
            ? 'no checkpoint is stored yet'
            : `no checkpoint ${options.seq} is stored`,
        );
    }
    const files = options.out ? writeCheckpointFiles(options.out, document) : [];
    if (options.json)
      ctx.io.out(jsonText(options.out ? { ...document.checkpoint, hash: document.hash, files } : document));
    else {
      const c = document.checkpoint;
      println(
        ctx,
        `checkpoint ${c.seq}: ${c.runCount} runs, ${c.eventCount} events, root ${c.runsRoot.slice(0, 16)}…, hash ${document.hash}`,
      );
      for (const file of files) println(ctx, `  wrote ${file}`);
      if (!options.out)
        println(ctx, '  (stored in the database only: publish it with --out dir/, see docs/audit.md)');
    }
    return 0;
  });
}

/** `checkpoint-000042.json` (the document) and `checkpoint-000042.sig` (the base64 signature) in `dir`. */
export function writeCheckpointFiles(dir: string, document: CheckpointDocument): string[] {
  mkdirSync(dir, { recursive: true });
  const name = `checkpoint-${String(document.checkpoint.seq).padStart(6, '0')}`;
  const json = join(dir, `${name}.json`);
  const sig = join(dir, `${name}.sig`);
  writeFileSync(json, `${JSON.stringify(document)}\n`);
  writeFileSync(sig, `${document.signature}\n`);
  return [json, sig];
}

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `--sign-key ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

/** Postgres `undefined_table` (42P01), also when wrapped by the event store. */
function isUndefinedTable(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  return code === '42P01' || cause?.code === '42P01';
}
