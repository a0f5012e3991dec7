import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The variable holding the secrets master key(s), base64 (32 bytes each). */
export const SECRETS_KEY_VARIABLE = 'TRIBUTARY_SECRETS_KEY';
/** The variable naming a file that holds the master key(s) instead. */
export const SECRETS_KEY_FILE_VARIABLE = 'TRIBUTARY_SECRETS_KEY_FILE';

/** Bad secrets key configuration: the service must not start (or the trigger must not be taken). */
export class SecretsConfigError extends Error {
  override readonly name = 'SecretsConfigError';
}

/** One master key (key-encryption key) and its id. */
export interface MasterKey {
  /** First 16 hex digits of SHA-256 over a label and the key: names the key without revealing it. */
  readonly kid: string;
  readonly key: Buffer;
}

/**
 * The master keys a process holds: the first encrypts, every one decrypts (rotation: put the new key
 * first, keep the old ones after it until no run that used them is still going).
 */
export class SecretsKeyring {
  private readonly byKid: ReadonlyMap<string, MasterKey>;

  constructor(readonly keys: readonly MasterKey[]) {
    if (keys.length === 0) throw new SecretsConfigError('a secrets keyring needs at least one key');
    this.byKid = new Map(keys.map((key) => [key.kid, key]));
  }

  /** The key new secrets are encrypted with. */
  get current(): MasterKey {
    return this.keys[0]!;
  }

  /** The key with this id, or undefined. */
  find(kid: string): MasterKey | undefined {
    return this.byKid.get(kid);
  }

  /** Builds a keyring from raw 32-byte keys, the first being current. */
  static fromKeys(keys: readonly Buffer[]): SecretsKeyring {
    return new SecretsKeyring(keys.map((key) => ({ kid: keyIdOf(key), key: Buffer.from(key) })));
  }
}

/** The id of a master key (see {@link MasterKey.kid}). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('tributary-secrets-kid:v1:').update(key).digest('hex').slice(0, 16);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads the master keys from `TRIBUTARY_SECRETS_KEY` or the file named by `TRIBUTARY_SECRETS_KEY_FILE`
 * (not both): base64 keys of 32 bytes separated by commas, spaces or new lines, the first one current.
 * Returns null when neither is set (secret params are then refused by the api, and executors cannot run
 * attempts that carry secrets). Errors never repeat key material.
 *
 * @throws SecretsConfigError naming the variable and the key's position.
 */
export function loadSecretsKeyring(env: Record<string, string | undefined> = process.env): SecretsKeyring | null {
  const inline = env[SECRETS_KEY_VARIABLE]?.trim() ?? '';
  const file = env[SECRETS_KEY_FILE_VARIABLE]?.trim() ?? '';
  if (inline !== '' && file !== '')
    throw new SecretsConfigError(
      `both ${SECRETS_KEY_VARIABLE} and ${SECRETS_KEY_FILE_VARIABLE} are set: set only one`,
    );
  if (inline === '' && file === '') return null;
  let text = inline;
  let source = SECRETS_KEY_VARIABLE;
  if (file !== '') {
    source = `${SECRETS_KEY_FILE_VARIABLE} (${file})`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SecretsConfigError(`${source}: cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const parts = text.split(/[\s,]+/).filter((part) => part !== '');
  if (parts.length === 0) throw new SecretsConfigError(`${source}: no key found`);
  const keys = parts.map((part, index) => {
    const where = `${source}: key ${index + 1} of ${parts.length}`;
    if (!BASE64.test(part)) throw new SecretsConfigError(`${where} is not base64`);
    const key = Buffer.from(part, 'base64');
    if (key.length !== 32)
      throw new SecretsConfigError(
        `${where} is ${key.length} bytes once decoded; expected 32 (make one with: openssl rand -base64 32)`,
      );
    return key;
  });
  return SecretsKeyring.fromKeys(keys);
}
