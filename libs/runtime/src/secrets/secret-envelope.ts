import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SECRET_KEY, type Json } from '@tributary/domain';
import { secretEnvelopeDigest } from '@tributary/event-store';
import type { SecretsKeyring } from './secrets-keyring.js';

/**
 * An encrypted value (envelope encryption): the value's JSON text encrypted with AES-256-GCM under a
 * fresh data key, and that data key encrypted (wrapped) with AES-256-GCM under the master key `kid`.
 * All binary fields are base64. `digest` is `secretEnvelopeDigest` of the other fields: the redacted
 * form `{"$secret": digest}` that hashes, views and exports show.
 */
export interface SecretEnvelope {
  v: 1;
  kid: string;
  /** The wrapped data key: 12-byte IV, 32-byte ciphertext, 16-byte tag. */
  dk: string;
  iv: string;
  ct: string;
  tag: string;
  digest: string;
}

/** The stored form of a secret value. */
export interface SecretEnvelopeMarker {
  $secret: SecretEnvelope;
}

/** A secret that cannot be decrypted here: unknown key, tampered or malformed envelope. */
export class SecretOpenError extends Error {
  override readonly name = 'SecretOpenError';
}

const DATA_AAD = Buffer.from('tributary-secret:v1');
const wrapAad = (kid: string): Buffer => Buffer.from(`tributary-secret-key:v1:${kid}`);

/** Encrypts one JSON value with a fresh data key under the keyring's current master key. */
export function sealSecret(value: Json, keyring: SecretsKeyring): SecretEnvelopeMarker {
  const master = keyring.current;
  const dataKey = randomBytes(32);
  const wrapIv = randomBytes(12);
  const wrapper = createCipheriv('aes-256-gcm', master.key, wrapIv).setAAD(wrapAad(master.kid));
  const wrapped = Buffer.concat([wrapIv, wrapper.update(dataKey), wrapper.final(), wrapper.getAuthTag()]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv).setAAD(DATA_AAD);
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  dataKey.fill(0);
  const body = {
    v: 1 as const,
    kid: master.kid,
    dk: wrapped.toString('base64'),
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
  return { [SECRET_KEY]: { ...body, digest: secretEnvelopeDigest(body) } } as SecretEnvelopeMarker;
}

/**
 * Decrypts an envelope (the object under `$secret`).
 * @throws SecretOpenError saying why (never with any plaintext).
 */
export function openSecret(envelope: unknown, keyring: SecretsKeyring): Json {
  const fields = envelopeFields(envelope);
  const master = keyring.find(fields.kid);
  if (!master)
    throw new SecretOpenError(
      `secret ${secretEnvelopeDigest(envelope)} is encrypted with master key ${fields.kid}, which this process does not hold (keys held: ${keyring.keys.map((k) => k.kid).join(', ')}); after a rotation keep the old key after the new one`,
    );
  try {
    const wrapped = Buffer.from(fields.dk, 'base64');
    if (wrapped.length !== 12 + 32 + 16) throw new Error('wrapped data key has the wrong length');
    const unwrapper = createDecipheriv('aes-256-gcm', master.key, wrapped.subarray(0, 12))
      .setAAD(wrapAad(master.kid))
      .setAuthTag(wrapped.subarray(44));
    const dataKey = Buffer.concat([unwrapper.update(wrapped.subarray(12, 44)), unwrapper.final()]);
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(fields.iv, 'base64'))
      .setAAD(DATA_AAD)
      .setAuthTag(Buffer.from(fields.tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(fields.ct, 'base64')), decipher.final()]).toString(
      'utf8',
    );
    dataKey.fill(0);
    return JSON.parse(text) as Json;
  } catch {
    throw new SecretOpenError(
      `secret ${secretEnvelopeDigest(envelope)} does not decrypt with master key ${fields.kid}: the envelope was altered or is not one Tributary made`,
    );
  }
}

function envelopeFields(envelope: unknown): Omit<SecretEnvelope, 'digest'> {
  const record = (envelope ?? {}) as Record<string, unknown>;
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope) || record['v'] !== 1)
    throw new SecretOpenError('not a secret envelope of version 1');
  for (const field of ['kid', 'dk', 'iv', 'ct', 'tag'] as const) {
    if (typeof record[field] !== 'string')
      throw new SecretOpenError(`secret envelope: "${field}" is missing or not a string`);
  }
  return record as unknown as Omit<SecretEnvelope, 'digest'>;
}
