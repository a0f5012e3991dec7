import type { Json } from '@tributary/domain';
import { openSecrets } from './open-secrets.js';
import { SecretOpenError } from './secret-envelope.js';
import { SecretMasker } from './secret-masker.js';
import type { SecretsKeyring } from './secrets-keyring.js';

/** The fields of an attempt request that can carry secret envelopes (params, a `with:` input…). */
export interface SecretCarryingRequest {
  input?: Json;
  params?: Json;
  upstream?: Record<string, Json>;
  item?: Json;
}

/** Error `type` of an attempt whose secrets could not be decrypted. */
export const SECRET_ERROR_TYPE = 'SecretError';

/**
 * An attempt request with its secrets decrypted for the handler, and the masker for everything the
 * attempt reports; or, when a secret cannot be decrypted here, the error the attempt fails with (not
 * retryable: another try on the same configuration cannot decrypt it either).
 */
export function openAttemptSecrets<R extends SecretCarryingRequest>(
  request: R,
  keyring: SecretsKeyring | null,
):
  | { ok: true; request: R; masker: SecretMasker }
  | { ok: false; error: { message: string; type: string; retryable: false } } {
  try {
    const clearValues: Json[] = [];
    const open = <T>(value: T): T => {
      const opened = openSecrets(value, keyring);
      clearValues.push(...opened.clearValues);
      return opened.value;
    };
    const opened: R = {
      ...request,
      ...(request.input !== undefined ? { input: open(request.input) } : {}),
      ...(request.params !== undefined ? { params: open(request.params) } : {}),
      ...(request.upstream !== undefined ? { upstream: open(request.upstream) } : {}),
      ...(request.item !== undefined ? { item: open(request.item) } : {}),
    };
    return { ok: true, request: opened, masker: new SecretMasker(clearValues) };
  } catch (error) {
    if (!(error instanceof SecretOpenError)) throw error;
    return { ok: false, error: { message: error.message, type: SECRET_ERROR_TYPE, retryable: false } };
  }
}
