import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { EventStoreError } from '../errors/event-store.error.js';
import { checkpointSignedText, type CheckpointHeader } from './checkpoint-format.js';

/** A new Ed25519 key pair as PEM: PKCS#8 private key, SPKI public key. */
export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** An Ed25519 private key from PEM; a precise error for anything else. */
export function parsePrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new EventStoreError(`${source}: not a PEM private key (${(error as Error).message})`, {
      code: 'invalid_argument',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new EventStoreError(`${source}: expected an Ed25519 key, got ${key.asymmetricKeyType}`, {
      code: 'invalid_argument',
    });
  return key;
}

/** An Ed25519 public key from PEM (a private key's PEM gives its public half). */
export function parsePublicKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new EventStoreError(`${source}: not a PEM public key (${(error as Error).message})`, {
      code: 'invalid_argument',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new EventStoreError(`${source}: expected an Ed25519 key, got ${key.asymmetricKeyType}`, {
      code: 'invalid_argument',
    });
  return key;
}

/** sha256 hex of the public key's SPKI DER: names the key in a checkpoint (`openssl pkey -pubin -outform DER | sha256sum`). */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Base64 Ed25519 signature over the header's canonical JSON. */
export function signCheckpoint(header: CheckpointHeader, privateKey: KeyObject): string {
  return sign(null, Buffer.from(checkpointSignedText(header), 'utf8'), privateKey).toString('base64');
}

export function checkpointSignatureValid(
  header: CheckpointHeader,
  signature: string,
  publicKey: KeyObject,
): boolean {
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  return verify(
    null,
    Buffer.from(checkpointSignedText(header), 'utf8'),
    key,
    Buffer.from(signature, 'base64'),
  );
}
