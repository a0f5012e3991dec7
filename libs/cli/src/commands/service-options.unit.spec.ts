import { describe, expect, it } from 'vitest';
import { loadConfig } from '@tributary/runtime';
import { configOverrides } from './service-options.js';

describe('service configuration flags', () => {
  it('override the environment, each onto its configuration field', () => {
    const env = {
      TRIBUTARY_NATS_URL: 'nats://env:4222',
      TRIBUTARY_NATS_TOKEN: 'env-token',
      TRIBUTARY_NATS_TLS_CA: '/env/ca.pem',
      TRIBUTARY_OUTBOX_RETENTION: '2h',
    };
    const config = loadConfig(
      env,
      configOverrides({
        natsUrl: 'nats://flag:4222',
        natsCreds: '/flag/app.creds',
        natsTlsCert: '/flag/cert.pem',
        natsTlsKey: '/flag/key.pem',
        bootstrapAdminToken: 'flag-admin',
        outboxRetention: 600_000,
        handlers: ['./h.js'],
      }),
    );
    expect(config).toMatchObject({
      natsUrl: 'nats://flag:4222',
      natsCreds: '/flag/app.creds',
      natsToken: null, // an auth flag replaces the environment's credentials as a whole
      natsTls: { certFile: '/flag/cert.pem', keyFile: '/flag/key.pem' }, // TLS files travel as one setting
      bootstrapAdminToken: 'flag-admin',
      outboxRetentionMs: 600_000,
      handlers: ['./h.js'],
    });
  });

  it('leaves the environment alone when no flag is given', () => {
    const env = {
      TRIBUTARY_NATS_TLS_CA: '/env/ca.pem',
      TRIBUTARY_SUBJECT_PREFIX: 'acme',
      TRIBUTARY_NATS_USER: 'svc',
      TRIBUTARY_NATS_PASSWORD: 'pw',
    };
    expect(configOverrides({})).toEqual({});
    expect(loadConfig(env, configOverrides({ natsUrl: 'nats://other:4222' }))).toMatchObject({
      natsUser: 'svc',
      natsPassword: 'pw',
      natsTls: { caFile: '/env/ca.pem' },
      subjectPrefix: 'acme',
    });
  });
});
