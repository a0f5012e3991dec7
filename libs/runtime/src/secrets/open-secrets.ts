import { isSecretEnvelopeMarker, mapSecretMarkers, type Json } from '@tributary/domain';
import { openSecret, SecretOpenError } from './secret-envelope.js';
import type { SecretsKeyring } from './secrets-keyring.js';

/** A value with its secret envelopes decrypted, and the clear values found (for masking). */
export interface OpenedSecrets<T> {
  value: T;
  clearValues: Json[];
}

/**
 * Decrypts every secret envelope in `value` (params, a `with:` input…) for a handler. Redacted markers
 * (a digest string) stay as they are: there is nothing to decrypt.
 *
 * @throws SecretOpenError when an envelope is present and `keyring` is null, or it does not decrypt.
 */
export function openSecrets<T>(value: T, keyring: SecretsKeyring | null): OpenedSecrets<T> {
  const clearValues: Json[] = [];
  const opened = mapSecretMarkers(value, (marker) => {
    if (!isSecretEnvelopeMarker(marker)) return marker;
    if (keyring === null)
      throw new SecretOpenError(
        'this attempt carries secret params but this process has no secrets key: set TRIBUTARY_SECRETS_KEY or TRIBUTARY_SECRETS_KEY_FILE (the same key as the api)',
      );
    const clear = openSecret(marker.$secret, keyring);
    clearValues.push(clear);
    return clear;
  }) as T;
  return { value: opened, clearValues };
}
