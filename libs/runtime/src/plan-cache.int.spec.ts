import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { parsePipelineSpec } from '@tributary/domain';
import { createDb, migrateToLatest, savePipelineVersion, type Database } from '@tributary/event-store';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { PlanCache } from './plan-cache.js';

const spec = (id: string) => `id: ${id}\nstages:\n  - { id: only, executor: noop }\n`;

describe('plan cache bounds', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await migrateToLatest(db);
    for (const id of ['a', 'b', 'c']) {
      const parsed = parsePipelineSpec(spec(id));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      await savePipelineVersion(db, { spec: parsed.spec, source: spec(id), createdBy: 'test' });
    }
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('keeps at most maxVersions, least recently used out first, and reads an evicted version again', async () => {
    const plans = new PlanCache(db, 2);
    const a = await plans.get('a', 1);
    await plans.get('b', 1);
    expect(await plans.get('a', 1)).toBe(a); // cached: the same object; a is now the most recent
    await plans.get('c', 1); // b, the least recently used, goes
    expect(plans.size).toBe(2);
    const b = await plans.get('b', 1); // read and compiled again, whole
    expect(b?.plan.spec.id).toBe('b');
    expect(plans.size).toBe(2);
    expect(await plans.get('a', 1)).not.toBe(a); // a was evicted by b's return
    expect((await plans.get('a', 1))?.plan.spec.id).toBe('a');
    expect(await plans.get('nope', 1)).toBeNull();
    expect(plans.size).toBe(2); // an unknown version is not remembered
  });
});
