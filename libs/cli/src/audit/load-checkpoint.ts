import { readFileSync } from 'node:fs';
import { openCheckpoint, parsePublicKey, type RunHead } from '@tributary/event-store';
import { UsageError, CliError } from '../errors.js';

export interface CheckpointOptions {
  checkpoint?: string;
  publicKey?: string;
}

/** Reads a published checkpoint and checks its signature with `--public-key`; only then are its heads used. */
export function loadCheckpoint(options: CheckpointOptions): { seq: number; heads: RunHead[] } {
  if (!options.checkpoint || !options.publicKey)
    throw new UsageError(
      '--checkpoint and --public-key go together: a checkpoint is only trusted once its signature verifies',
    );
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new CliError(
        `${what} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      );
    }
  };
  const publicKey = parsePublicKey(read(options.publicKey, '--public-key'), options.publicKey);
  const { document, heads } = openCheckpoint(
    read(options.checkpoint, '--checkpoint'),
    publicKey,
    options.checkpoint,
  );
  return { seq: document.checkpoint.seq, heads };
}
