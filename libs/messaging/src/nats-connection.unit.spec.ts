import { describe, expect, it } from 'vitest';
import { DEFAULT_NATS_URL, NatsConnectionError, natsOptionsFromEnv, resolveNatsConnectionOptions } from './nats-connection.js';

describe('natsOptionsFromEnv', () => {
  it('reads the TRIBUTARY_NATS_* variables', () => {
    expect(
      natsOptionsFromEnv({
        TRIBUTARY_NATS_URL: 'nats://a:4222, nats://b:4222',
        TRIBUTARY_NATS_USER: 'svc',
        TRIBUTARY_NATS_PASSWORD: 'pw',
        TRIBUTARY_NATS_TLS_CA: '/etc/ca.pem',
      }),
    ).toEqual({ url: ['nats://a:4222', 'nats://b:4222'], user: 'svc', pass: 'pw', tls: { caFile: '/etc/ca.pem' } });
    expect(natsOptionsFromEnv({})).toEqual({});
  });
});

describe('resolveNatsConnectionOptions', () => {
  it('defaults to the local server, reconnecting for ever', () => {
    expect(resolveNatsConnectionOptions({ name: 'planner' }, {})).toEqual({
      servers: [DEFAULT_NATS_URL],
      name: 'planner',
      timeout: 5000,
      maxReconnectAttempts: -1,
    });
  });

  it('prefers explicit options and takes credentials from one side only', () => {
    const resolved = resolveNatsConnectionOptions(
      { name: 'api', url: 'nats://x:4222', token: 's3cret' },
      { TRIBUTARY_NATS_URL: 'nats://env:4222', TRIBUTARY_NATS_USER: 'env-user', TRIBUTARY_NATS_PASSWORD: 'pw' },
    );
    expect(resolved).toMatchObject({ servers: ['nats://x:4222'], token: 's3cret' });
    expect(resolved).not.toHaveProperty('user');
  });

  it('refuses two authentication methods at once', () => {
    expect(() =>
      resolveNatsConnectionOptions({ name: 'api' }, { TRIBUTARY_NATS_TOKEN: 't', TRIBUTARY_NATS_USER: 'u' }),
    ).toThrow(/use one of user\/password, token or credsFile, got user\/password \+ token/);
  });

  it('fails early, and not retryably, on a missing creds file', () => {
    let caught: unknown;
    try {
      resolveNatsConnectionOptions({ name: 'api', credsFile: '/nonexistent/x.creds' }, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NatsConnectionError);
    expect(caught).toMatchObject({ name: 'NatsConnectionError', retryable: false });
  });

  it('asks for TLS when told to', () => {
    expect(resolveNatsConnectionOptions({ name: 'api', tls: true }, {}).tls).toEqual({});
  });
});
