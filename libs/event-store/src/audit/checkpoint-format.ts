import { createHash } from 'node:crypto';
import { canonicalJson } from '../events/canonical-json.js';
import { GENESIS_HASH } from '../events/event-hash.js';

/** Version of the checkpoint format (docs/audit.md). */
export const CHECKPOINT_FORMAT = 'tributary-audit-checkpoint/1';

/** `prevHash` of the first checkpoint. */
export const GENESIS_CHECKPOINT_HASH = GENESIS_HASH;

/** One run's head at a checkpoint: its last run_seq and that event's hash. */
export interface RunHead {
  runId: string;
  lastRunSeq: number;
  headHash: string;
}

/** The signed part of a checkpoint. Its canonical JSON is the text that is hashed and signed. */
export interface CheckpointHeader {
  format: typeof CHECKPOINT_FORMAT;
  /** 1, 2, 3… */
  seq: number;
  /** ISO-8601 UTC with milliseconds. */
  createdAt: string;
  /** Highest global `event_log.seq` in the snapshot the heads were read from (informational). */
  highWaterSeq: string;
  runCount: number;
  /** Sum of the runs' last run_seq: every event the checkpoint covers. */
  eventCount: number;
  /** {@link runsRoot} of the heads. */
  runsRoot: string;
  /** `hash` of the previous checkpoint; 64 zeros for the first. */
  prevHash: string;
  /** {@link keyIdOf} the key that signs it. */
  keyId: string;
}

/** A checkpoint as published: the header, its hash and signature, and the heads it commits to. */
export interface CheckpointDocument {
  checkpoint: CheckpointHeader;
  /** sha256 hex of the header's canonical JSON. */
  hash: string;
  /** Base64 Ed25519 signature over the header's canonical JSON (UTF-8). */
  signature: string;
  /** Sorted by run id (UTF-16 code units); `[runId, lastRunSeq, headHash]`. */
  runs: [string, number, string][];
}

/** Run ids in UTF-16 code unit order (the order of canonical JSON keys; not a database collation). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `sha256(canonicalJson([[runId, lastRunSeq, headHash], …]))` over the heads sorted by run id: one hash
 * that changes when any run's head changes, a run appears, or a run disappears. Streamed, so a million
 * runs never build one string.
 */
export function runsRoot(heads: readonly RunHead[]): string {
  const sorted = isSortedByRun(heads) ? heads : [...heads].sort((a, b) => compareCodeUnits(a.runId, b.runId));
  const hash = createHash('sha256').update('[');
  sorted.forEach((head, i) => {
    hash.update((i > 0 ? ',' : '') + canonicalJson([head.runId, head.lastRunSeq, head.headHash]));
  });
  return hash.update(']').digest('hex');
}

/** The exact text a checkpoint's hash and signature cover. */
export const checkpointSignedText = (header: CheckpointHeader): string => canonicalJson(header);

export const checkpointHash = (header: CheckpointHeader): string =>
  createHash('sha256').update(checkpointSignedText(header)).digest('hex');

function isSortedByRun(heads: readonly RunHead[]): boolean {
  for (let i = 1; i < heads.length; i++)
    if (compareCodeUnits(heads[i - 1]!.runId, heads[i]!.runId) >= 0) return false;
  return true;
}
