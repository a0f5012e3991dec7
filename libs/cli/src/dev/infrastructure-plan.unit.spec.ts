import { describe, expect, it } from 'vitest';
import { planDevInfrastructure, type InfrastructureProbe } from './infrastructure-plan.js';

const probe = (overrides: Partial<InfrastructureProbe> = {}): InfrastructureProbe => ({
  natsUrl: 'nats://127.0.0.1:4222',
  natsAnswers: true,
  natsServerBinary: '/usr/sbin/nats-server',
  databaseUrl: 'postgres://postgres:secret@127.0.0.1:5432/postgres',
  databaseAnswers: true,
  apiPort: 8080,
  apiPortTaken: false,
  ...overrides,
});

describe('tributary dev: what to start', () => {
  it('uses what answers and starts nothing', () => {
    const plan = planDevInfrastructure(probe());
    expect(plan.nats).toEqual({ action: 'use', url: 'nats://127.0.0.1:4222' });
    expect(plan.postgres).toEqual({
      action: 'use',
      url: 'postgres://postgres:secret@127.0.0.1:5432/postgres',
    });
    expect(plan.problems).toEqual([]);
    expect(plan.notes).toEqual([]);
  });

  it('starts a local nats-server when NATS does not answer, and says so', () => {
    const plan = planDevInfrastructure(probe({ natsAnswers: false }));
    expect(plan.nats).toEqual({ action: 'start', binary: '/usr/sbin/nats-server' });
    expect(plan.notes).toEqual([
      expect.stringMatching(
        /^NATS: nothing answers at nats:\/\/127.0.0.1:4222; starting \/usr\/sbin\/nats-server/,
      ),
    ]);
  });

  it('cannot start without NATS and without a nats-server to run', () => {
    const plan = planDevInfrastructure(probe({ natsAnswers: false, natsServerBinary: null }));
    expect(plan.nats).toBeNull();
    expect(plan.problems).toEqual([
      expect.stringMatching(/no nats-server was found on PATH or in \/usr\/sbin; install one/),
    ]);
  });

  it('embeds PGlite when Postgres does not answer, without printing the password', () => {
    const plan = planDevInfrastructure(probe({ databaseAnswers: false }));
    expect(plan.postgres).toEqual({ action: 'embedded' });
    expect(plan.notes.join('\n')).toMatch(
      /Postgres: nothing answers at postgres:\/\/postgres:\*\*\*@127.0.0.1:5432\/postgres; starting an embedded PGlite/,
    );
    expect(plan.notes.join('\n')).not.toContain('secret');
  });

  it('starts both when nothing answers', () => {
    const plan = planDevInfrastructure(probe({ natsAnswers: false, databaseAnswers: false }));
    expect([plan.nats?.action, plan.postgres.action, plan.problems.length, plan.notes.length]).toEqual([
      'start',
      'embedded',
      0,
      2,
    ]);
  });

  it('refuses a taken api port', () => {
    expect(planDevInfrastructure(probe({ apiPortTaken: true })).problems).toEqual([
      'api: port 8080 on 127.0.0.1 is taken; pass --port <n> (or stop what listens there)',
    ]);
  });
});
