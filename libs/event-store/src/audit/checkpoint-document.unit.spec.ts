import { describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import {
  CHECKPOINT_FORMAT,
  checkpointHash,
  runsRoot,
  type CheckpointHeader,
  type RunHead,
} from './checkpoint-format.js';
import {
  generateSigningKey,
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  signCheckpoint,
} from './checkpoint-signing.js';
import { openCheckpoint } from './checkpoint-document.js';

const heads: RunHead[] = [
  { runId: 'b', lastRunSeq: 3, headHash: 'b'.repeat(64) },
  { runId: 'a', lastRunSeq: 5, headHash: 'a'.repeat(64) },
];

function signedDocument(keyPem: string) {
  const key = parsePrivateKey(keyPem, 'key.pem');
  const header: CheckpointHeader = {
    format: CHECKPOINT_FORMAT,
    seq: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    highWaterSeq: '8',
    runCount: 2,
    eventCount: 8,
    runsRoot: runsRoot(heads),
    prevHash: '0'.repeat(64),
    keyId: keyIdOf(key),
  };
  return {
    checkpoint: header,
    hash: checkpointHash(header),
    signature: signCheckpoint(header, key),
    runs: [...heads]
      .sort((x, y) => (x.runId < y.runId ? -1 : 1))
      .map((h) => [h.runId, h.lastRunSeq, h.headHash]),
  };
}

describe('checkpoints: root, signature, opening a published file', () => {
  const { privateKeyPem, publicKeyPem } = generateSigningKey();
  const publicKey = parsePublicKey(publicKeyPem, 'pub.pem');

  it('roots the sorted heads: order-independent, changes with any head', () => {
    expect(runsRoot(heads)).toBe(runsRoot([...heads].reverse()));
    expect(runsRoot(heads)).not.toBe(runsRoot([heads[0]!]));
    expect(runsRoot(heads)).not.toBe(runsRoot([heads[0]!, { ...heads[1]!, lastRunSeq: 6 }]));
    expect(keyIdOf(createPrivateKey(privateKeyPem))).toBe(keyIdOf(publicKey));
  });

  it('opens an intact checkpoint and refuses an altered one, saying what', () => {
    const doc = signedDocument(privateKeyPem);
    expect(openCheckpoint(JSON.stringify(doc), publicKey, 'c.json').heads).toHaveLength(2);
    const fewerRuns = { ...doc, runs: doc.runs.slice(1) };
    expect(() => openCheckpoint(JSON.stringify(fewerRuns), publicKey, 'c.json')).toThrow(
      'c.json: "runs" does not hash to the signed runsRoot: the list was altered',
    );
    const moved = { ...doc, checkpoint: { ...doc.checkpoint, seq: 2 } };
    expect(() => openCheckpoint(JSON.stringify(moved), publicKey, 'c.json')).toThrow(
      /signature does not verify/,
    );
    const stranger = parsePublicKey(generateSigningKey().publicKeyPem, 'other.pem');
    expect(() => openCheckpoint(JSON.stringify(doc), stranger, 'c.json')).toThrow(
      /not by the given public key/,
    );
    expect(() => parsePrivateKey('nope', 'k.pem')).toThrow(/^k.pem: not a PEM private key/);
  });
});
