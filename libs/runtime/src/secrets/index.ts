export * from './secrets-keyring.js';
export * from './secret-envelope.js';
export * from './secret-masker.js';
export * from './open-secrets.js';
export * from './seal-secret-params.js';
export * from './attempt-secrets.js';
