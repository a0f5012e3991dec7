import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestMigration } from '@tributary/event-store';
import {
  createTestDatabase,
  createTestNats,
  eventually,
  type TestDatabase,
  type TestNats,
} from '@tributary/testing';
import { CLI } from '../support/tributary-system.js';

/** A CLI process with its output collected. */
function cli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, TRIBUTARY_MIGRATE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('services do not migrate: `tributary migrate` does, and a service on an old schema says so', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    env = {
      TRIBUTARY_DATABASE_URL: database.url,
      TRIBUTARY_NATS_URL: nats.url,
      TRIBUTARY_SUBJECT_PREFIX: nats.prefix,
      TRIBUTARY_LOG_LEVEL: 'quiet',
    };
  });

  afterAll(async () => {
    await nats?.cleanup();
    await database?.drop();
  });

  it('refuses to start the planner on an unmigrated database, naming the migration and the command', async () => {
    const planner = cli(['start', 'planner'], env);
    expect(await planner.exited, planner.output()).toBe(1);
    expect(planner.output()).toContain(
      `error: planner could not start: database schema is at migration (none: empty database), this build needs ${latestMigration()}: run \`tributary migrate\``,
    );
  }, 60_000);

  it('starts once `tributary migrate` has run', async () => {
    const migrate = cli(['migrate'], env);
    expect(await migrate.exited, migrate.output()).toBe(0);
    expect(migrate.output()).toMatch(new RegExp(`applied \\d+ migration\\(s\\) to .*${latestMigration()}`));

    const planner = cli(['start', 'planner'], env);
    try {
      await eventually(() => expect(planner.output()).toContain('planner started'), 30_000);
    } finally {
      planner.child.kill('SIGTERM');
    }
    expect(await planner.exited, planner.output()).toBe(0);
  }, 60_000);
});
