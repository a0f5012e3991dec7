import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateToLatest, type Database } from '@tributary/event-store';
import type { Kysely } from 'kysely';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

/** The patterns the services use on one Postgres, against the embedded one tributary dev falls back to. */
describe('embedded Postgres (PGlite behind the session scheduler)', () => {
  let pg: EmbeddedPostgres;
  let a: Kysely<Database>;
  let b: Kysely<Database>;
  const warnings: string[] = [];

  beforeAll(async () => {
    pg = await startEmbeddedPostgres((w) => warnings.push(w));
    a = createDb(pg.url, { maxConnections: 4 });
    b = createDb(pg.url, { maxConnections: 4 });
    await migrateToLatest(a);
  }, 60_000);
  afterAll(async () => {
    await a?.destroy();
    await b?.destroy();
    await pg?.stop();
  });

  it('lets a transaction read through a second connection of its pool (a cache miss) without waiting for itself', async () => {
    const seen = await a.transaction().execute(async (trx) => {
      await trx
        .insertInto('pipelines')
        .values({ pipeline_id: 'p', version: 1, spec: '{}', source: '', content_hash: 'h', created_by: null })
        .execute();
      // Real Postgres runs this on its own session; PGlite has one, shared.
      const other = await a.selectFrom('pipelines').select('pipeline_id').execute();
      return other.length;
    });
    expect(seen).toBeGreaterThanOrEqual(0);
    expect(await b.selectFrom('pipelines').select('pipeline_id').execute()).toEqual([{ pipeline_id: 'p' }]);
  });

  it('keeps concurrent transactions of different pools whole (a rollback takes only its own writes)', async () => {
    const ok = a.transaction().execute(async (trx) => {
      for (let v = 2; v <= 6; v += 1) {
        await trx
          .insertInto('pipelines')
          .values({
            pipeline_id: 'p',
            version: v,
            spec: '{}',
            source: '',
            content_hash: `h${v}`,
            created_by: null,
          })
          .execute();
      }
    });
    const failed = b
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('pipelines')
          .values({
            pipeline_id: 'q',
            version: 1,
            spec: '{}',
            source: '',
            content_hash: 'x',
            created_by: null,
          })
          .execute();
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    expect(await Promise.all([ok, failed])).toEqual([undefined, 'roll back']);
    const rows = await a
      .selectFrom('pipelines')
      .select(['pipeline_id', 'version'])
      .orderBy('pipeline_id')
      .orderBy('version')
      .execute();
    expect(rows.map((r) => `${r.pipeline_id}@${r.version}`)).toEqual([
      'p@1',
      'p@2',
      'p@3',
      'p@4',
      'p@5',
      'p@6',
    ]);
    expect(warnings).toEqual([]);
  });
});
