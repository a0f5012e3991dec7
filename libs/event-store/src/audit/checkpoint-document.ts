import type { KeyObject } from 'node:crypto';
import { EventStoreError } from '../errors/event-store.error.js';
import {
  CHECKPOINT_FORMAT,
  checkpointHash,
  runsRoot,
  type CheckpointDocument,
  type RunHead,
} from './checkpoint-format.js';
import { checkpointSignatureValid, keyIdOf } from './checkpoint-signing.js';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Parses a published checkpoint and checks it stands on its own: the format, its signature by `publicKey`,
 * its hash, and that its runs list hashes to the signed root. Only then may its heads be trusted.
 *
 * @throws EventStoreError (`invalid_checkpoint`) saying what is wrong, with `source` (the file name).
 */
export function openCheckpoint(
  text: string,
  publicKey: KeyObject,
  source: string,
): { document: CheckpointDocument; heads: RunHead[] } {
  const fail = (what: string): never => {
    throw new EventStoreError(`${source}: ${what}`, { code: 'invalid_checkpoint' });
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  const doc = parsed as CheckpointDocument;
  const header = doc?.checkpoint;
  if (typeof header !== 'object' || header === null) fail('no "checkpoint" object');
  if (header.format !== CHECKPOINT_FORMAT)
    fail(`checkpoint.format: expected ${CHECKPOINT_FORMAT}, got ${JSON.stringify(header.format)}`);
  if (typeof doc.signature !== 'string' || doc.signature === '') fail('no "signature"');
  if (!Array.isArray(doc.runs)) fail('"runs" is not an array');
  if (header.keyId !== keyIdOf(publicKey))
    fail(
      `signed by key ${String(header.keyId).slice(0, 16)}…, not by the given public key (${keyIdOf(publicKey).slice(0, 16)}…)`,
    );
  if (!checkpointSignatureValid(header, doc.signature, publicKey))
    fail('the signature does not verify: the checkpoint was altered or not signed by this key');
  if (checkpointHash(header) !== doc.hash) fail('"hash" is not the hash of the checkpoint');
  const heads: RunHead[] = doc.runs.map((entry, i) => {
    const [runId, lastRunSeq, headHash] = Array.isArray(entry) ? entry : [];
    if (
      typeof runId !== 'string' ||
      !Number.isInteger(lastRunSeq) ||
      typeof headHash !== 'string' ||
      !HEX64.test(headHash)
    )
      fail(`runs[${i}]: expected [runId, lastRunSeq, headHash]`);
    return { runId: runId as string, lastRunSeq: lastRunSeq as number, headHash: headHash as string };
  });
  if (runsRoot(heads) !== header.runsRoot)
    fail('"runs" does not hash to the signed runsRoot: the list was altered');
  if (heads.length !== header.runCount)
    fail(`"runs" has ${heads.length} entries, the checkpoint signed ${header.runCount}`);
  return { document: doc, heads };
}
