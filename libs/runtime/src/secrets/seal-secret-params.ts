import { presentSecretPaths, secretPointer, type Json, type SecretParamPath } from '@tributary/domain';
import { sealSecret } from './secret-envelope.js';
import type { SecretsKeyring } from './secrets-keyring.js';

/** Secret params were sent but this process holds no key to encrypt them with. */
export class SecretsKeyMissingError extends Error {
  override readonly name = 'SecretsKeyMissingError';
}

/**
 * `params` with the value of every present secret param replaced by its envelope (a copy; `params` is
 * not changed). Values of any JSON type are sealed whole, valid or not: even a trigger the schema refuses
 * is recorded, and must not record the secret in clear.
 *
 * @throws SecretsKeyMissingError naming the params when there is something to seal and no keyring.
 */
export function sealSecretParams(
  params: Json,
  paths: readonly SecretParamPath[],
  keyring: SecretsKeyring | null,
): Json {
  const present = presentSecretPaths(params, paths);
  if (present.length === 0) return params;
  if (keyring === null)
    throw new SecretsKeyMissingError(
      `params ${present.map((path) => `/params${secretPointer(path)}`).join(', ')} are secret, and this server has no secrets key to encrypt them with (set TRIBUTARY_SECRETS_KEY or TRIBUTARY_SECRETS_KEY_FILE); nothing was stored`,
    );
  const copy = structuredClone(params);
  for (const path of present) {
    let node = copy as Record<string, Json>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, Json>;
    const last = path[path.length - 1]!;
    node[last] = sealSecret(node[last]!, keyring) as unknown as Json;
  }
  return copy;
}
