import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATABASE_URL, DEFAULT_OUTBOX_RETENTION_MS, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the local servers and an hour of outbox retention', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe(DEFAULT_DATABASE_URL);
    expect(config.natsUrl).toBe('nats://127.0.0.1:4222');
    expect(config.outboxRetentionMs).toBe(DEFAULT_OUTBOX_RETENTION_MS);
  });

  it('reads TRIBUTARY_OUTBOX_RETENTION as a duration', () => {
    expect(loadConfig({ TRIBUTARY_OUTBOX_RETENTION: '10m' }).outboxRetentionMs).toBe(600_000);
    expect(loadConfig({ TRIBUTARY_OUTBOX_RETENTION: '1h30m' }).outboxRetentionMs).toBe(5_400_000);
  });

  it('reads the heartbeat timeout after which a running attempt counts as lost (default 2 min, never 0)', () => {
    expect(loadConfig({}).heartbeatTimeoutMs).toBe(120_000);
    expect(loadConfig({ TRIBUTARY_HEARTBEAT_TIMEOUT: '45s' }).heartbeatTimeoutMs).toBe(45_000);
    expect(() => loadConfig({ TRIBUTARY_HEARTBEAT_TIMEOUT: 'soon' })).toThrow('TRIBUTARY_HEARTBEAT_TIMEOUT');
  });

  it('reads how often a planner adopts running runs (default 30 s, never 0)', () => {
    expect(loadConfig({}).plannerAdoptEveryMs).toBe(30_000);
    expect(loadConfig({ TRIBUTARY_PLANNER_ADOPT_EVERY: '5s' }).plannerAdoptEveryMs).toBe(5_000);
    expect(() => loadConfig({ TRIBUTARY_PLANNER_ADOPT_EVERY: '0ms' })).toThrow(
      'TRIBUTARY_PLANNER_ADOPT_EVERY: must be more than 0, got "0ms"',
    );
  });

  it('does not migrate unless TRIBUTARY_MIGRATE says so (services run as roles that cannot)', () => {
    expect(loadConfig({}).migrate).toBe(false);
    expect(loadConfig({ TRIBUTARY_MIGRATE: '1' }).migrate).toBe(true);
    expect(loadConfig({ TRIBUTARY_MIGRATE: 'TRUE' }).migrate).toBe(true);
    expect(loadConfig({ TRIBUTARY_MIGRATE: 'no' }).migrate).toBe(false);
    expect(() => loadConfig({ TRIBUTARY_MIGRATE: 'maybe' })).toThrow(
      'TRIBUTARY_MIGRATE: "maybe" is not a boolean (1/true/yes or 0/false/no)',
    );
  });

  it('names the variable and the problem when a value cannot be used', () => {
    expect(() => loadConfig({ TRIBUTARY_OUTBOX_RETENTION: 'a week' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRIBUTARY_OUTBOX_RETENTION: 'a week' })).toThrow(
      /^TRIBUTARY_OUTBOX_RETENTION: invalid duration "a week"/,
    );
    expect(() => loadConfig({ TRIBUTARY_API_PORT: '70000' })).toThrow(
      'TRIBUTARY_API_PORT: "70000" is not a port number (0-65535)',
    );
    expect(() => loadConfig({ TRIBUTARY_SUBJECT_PREFIX: 'has space' })).toThrow(
      /^TRIBUTARY_SUBJECT_PREFIX: /,
    );
  });

  it('binds the api to loopback unless told otherwise, with auth on unless TRIBUTARY_INSECURE_NO_AUTH=1 (issue #10)', () => {
    expect(loadConfig({})).toMatchObject({ apiHost: '127.0.0.1', insecureNoAuth: false, bootstrapAdminToken: null });
    expect(loadConfig({ TRIBUTARY_API_HOST: '0.0.0.0' }).apiHost).toBe('0.0.0.0');
    expect(loadConfig({ TRIBUTARY_INSECURE_NO_AUTH: '1' }).insecureNoAuth).toBe(true);
    expect(loadConfig({ TRIBUTARY_INSECURE_NO_AUTH: '0' }).insecureNoAuth).toBe(false);
    expect(loadConfig({ TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN: '' }).bootstrapAdminToken).toBeNull();
  });

  it('lets flags override the environment', () => {
    const config = loadConfig({ TRIBUTARY_API_PORT: '9000' }, { apiPort: 9100 });
    expect(config.apiPort).toBe(9100);
  });
});
