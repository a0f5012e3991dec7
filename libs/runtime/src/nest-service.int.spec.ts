import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateToLatest } from '@tributary/event-store';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@tributary/testing';
import { loadConfig, type TributaryConfig } from './config.js';
import type { Infrastructure } from './infrastructure.js';
import { startNestService, startService } from './nest-service.js';
import { Module } from '@nestjs/common';

@Module({})
class EmptyModule {}

describe('startService: the one start path of every service', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let config: TributaryConfig;

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    const db = createDb(database.url);
    await migrateToLatest(db);
    await db.destroy();
    config = loadConfig({}, { databaseUrl: database.url, natsUrl: nats.url, subjectPrefix: nats.prefix });
  });

  afterAll(async () => {
    await nats?.cleanup();
    await database?.drop();
  });

  it('closes the connections it opened when the app fails to start, and passes the error on', async () => {
    let opened: Infrastructure | null = null;
    await expect(
      startService('start-test', config, (infra) => {
        opened = infra;
        return Promise.reject(new Error('module wiring failed'));
      }),
    ).rejects.toThrow('module wiring failed');
    expect(opened).not.toBeNull();
    expect(opened!.nc.isClosed()).toBe(true);
  });

  it('a started service closes its connections when stopped', async () => {
    const service = await startNestService('start-test', config, () => ({ module: EmptyModule }));
    expect(service.infra.nc.isClosed()).toBe(false);
    await service.stop();
    expect(service.infra.nc.isClosed()).toBe(true);
  });
});
