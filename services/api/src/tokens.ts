/** DI token of the secrets keyring (`SecretsKeyring | null`: null when no key is configured). */
export const SECRETS_KEYRING = Symbol('tributary.secrets-keyring');
