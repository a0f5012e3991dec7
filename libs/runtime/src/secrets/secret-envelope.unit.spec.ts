import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashedPayload } from '@tributary/event-store';
import { describe, expect, it } from 'vitest';
import { openAttemptSecrets } from './attempt-secrets.js';
import { openSecret, SecretOpenError, sealSecret } from './secret-envelope.js';
import { SecretMasker } from './secret-masker.js';
import { sealSecretParams, SecretsKeyMissingError } from './seal-secret-params.js';
import { keyIdOf, loadSecretsKeyring, SecretsConfigError, SecretsKeyring } from './secrets-keyring.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ring = SecretsKeyring.fromKeys([keyA]);

describe('secret envelopes (AES-256-GCM, data key wrapped by the master key)', () => {
  it('round-trips any JSON value, with a fresh data key and IV each time', () => {
    for (const value of ['s3cr3t-value', 42, { user: 'u', password: 'p' }, null, ['x']]) {
      const sealed = sealSecret(value, ring);
      expect(openSecret(sealed.$secret, ring)).toEqual(value);
    }
    const one = sealSecret('same', ring).$secret;
    const two = sealSecret('same', ring).$secret;
    expect(one.ct).not.toBe(two.ct);
    expect(one.dk).not.toBe(two.dk);
    expect(one.kid).toBe(keyIdOf(keyA));
  });

  it('carries no clear text, and its digest is the one hashedPayload shows', () => {
    const sealed = sealSecret('s3cr3t-value', ring);
    expect(JSON.stringify(sealed)).not.toContain('s3cr3t');
    expect(hashedPayload(sealed)).toEqual({ $secret: sealed.$secret.digest });
    expect(sealed.$secret.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses a tampered envelope, an unknown key, and decrypts with an old key after rotation', () => {
    const sealed = sealSecret('s3cr3t-value', ring).$secret;
    const flipped = Buffer.from(sealed.ct, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => openSecret({ ...sealed, ct: flipped.toString('base64') }, ring)).toThrow(/was altered/);
    expect(() => openSecret(sealed, SecretsKeyring.fromKeys([keyB]))).toThrow(
      new RegExp(`master key ${sealed.kid}, which this process does not hold`),
    );
    const rotated = SecretsKeyring.fromKeys([keyB, keyA]);
    expect(openSecret(sealed, rotated)).toBe('s3cr3t-value');
    expect(sealSecret('new', rotated).$secret.kid).toBe(keyIdOf(keyB));
    expect(() => openSecret({ v: 2 }, ring)).toThrow(SecretOpenError);
  });
});

describe('loadSecretsKeyring', () => {
  it('reads TRIBUTARY_SECRETS_KEY (several keys: the first encrypts) or a key file, and nothing when unset', () => {
    const env = { TRIBUTARY_SECRETS_KEY: `${keyB.toString('base64')}, ${keyA.toString('base64')}` };
    expect(loadSecretsKeyring(env)?.keys.map((k) => k.kid)).toEqual([keyIdOf(keyB), keyIdOf(keyA)]);
    const file = join(mkdtempSync(join(tmpdir(), 'secrets-')), 'key');
    writeFileSync(file, `${keyA.toString('base64')}\n`);
    expect(loadSecretsKeyring({ TRIBUTARY_SECRETS_KEY_FILE: file })?.current.kid).toBe(keyIdOf(keyA));
    expect(loadSecretsKeyring({})).toBeNull();
  });

  it('refuses bad keys precisely, without repeating them', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => loadSecretsKeyring({ TRIBUTARY_SECRETS_KEY: short })).toThrow(
      'TRIBUTARY_SECRETS_KEY: key 1 of 1 is 16 bytes once decoded; expected 32',
    );
    try {
      loadSecretsKeyring({ TRIBUTARY_SECRETS_KEY: short });
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
    expect(() => loadSecretsKeyring({ TRIBUTARY_SECRETS_KEY: 'not-base64!' })).toThrow(/is not base64/);
    expect(() => loadSecretsKeyring({ TRIBUTARY_SECRETS_KEY: 'a', TRIBUTARY_SECRETS_KEY_FILE: '/x' })).toThrow(
      SecretsConfigError,
    );
    expect(() => loadSecretsKeyring({ TRIBUTARY_SECRETS_KEY_FILE: '/nonexistent/key' })).toThrow(/ENOENT/);
  });
});

describe('sealing params and opening them for a handler', () => {
  const paths = [['token'], ['db', 'password']] as const;
  it('seals only the secret params present, and refuses without a key', () => {
    const params = { token: 'tok-123456', db: { user: 'u' }, market: 'LU' };
    const sealed = sealSecretParams(params, paths, ring) as Record<string, any>;
    expect(sealed['market']).toBe('LU');
    expect(sealed['db']).toEqual({ user: 'u' });
    expect(JSON.stringify(sealed)).not.toContain('tok-123456');
    expect(params.token).toBe('tok-123456'); // the input is not changed
    expect(sealSecretParams({ market: 'LU' }, paths, null)).toEqual({ market: 'LU' });
    expect(() => sealSecretParams(params, paths, null)).toThrow(SecretsKeyMissingError);
    expect(() => sealSecretParams(params, paths, null)).toThrow('/params/token are secret');
  });

  it('opens every envelope of an attempt and masks the clear values in what it reports', () => {
    const params = sealSecretParams({ token: 'tok-123456', db: { password: 'pa"ss-word' } }, paths, ring);
    const opened = openAttemptSecrets({ params, input: { t: (params as any).token } }, ring);
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.request.params).toEqual({ token: 'tok-123456', db: { password: 'pa"ss-word' } });
    expect(opened.request.input).toEqual({ t: 'tok-123456' });
    const outcome = {
      outcome: 'failed',
      error: { message: 'GET https://x/?key=tok-123456 failed', details: { body: '{"p":"pa\\"ss-word"}' } },
      logs: [{ at: 1, level: 'info', message: 'using tok-123456', fields: { tok: 'tok-123456', n: 3 } }],
    };
    expect(opened.masker.maskDeep(outcome)).toEqual({
      outcome: 'failed',
      error: { message: 'GET https://x/?key=*** failed', details: { body: '{"p":"***"}' } },
      logs: [{ at: 1, level: 'info', message: 'using ***', fields: { tok: '***', n: 3 } }],
    });
  });

  it('fails the attempt with a SecretError when it cannot decrypt', () => {
    const params = sealSecretParams({ token: 'tok-123456' }, paths, ring);
    const opened = openAttemptSecrets({ params }, null);
    expect(opened).toMatchObject({ ok: false, error: { type: 'SecretError', retryable: false } });
    expect(opened.ok ? '' : opened.error.message).toContain('TRIBUTARY_SECRETS_KEY');
  });

  it('does not mask texts shorter than 4 characters', () => {
    expect(new SecretMasker(['abc', 'abcd']).maskText('abc abcd')).toBe('abc ***');
  });
});
