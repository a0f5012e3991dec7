import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, createDb, migrateToLatest, type Database } from '@tributary/event-store';
import { createTestDatabase, type TestDatabase } from '@tributary/testing';
import { runCli } from '../program.js';
import { recordingContext } from '../test-support.js';
import { driveRun } from './drive-run.fixture.js';
import { asOwner, rewriteAndRehash } from './tamper.fixture.js';

/**
 * Issue #10's "done when" for audit: an edited row, a deleted run and a recomputed-but-unsigned chain are
 * each detected by `audit verify` against a signed checkpoint — tampered the way a database owner would.
 */
describe('signed checkpoints (Postgres)', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let dir: string;
  const runs = { edited: randomUUID(), rewritten: randomUUID(), deleted: randomUUID() };
  const cli = async (...args: string[]) => {
    const ctx = recordingContext({ TRIBUTARY_DATABASE_URL: database.url });
    const code = await runCli(args, ctx);
    return { code, out: ctx.stdout(), err: ctx.stderr() };
  };
  const key = () => join(dir, 'audit-key.pem');
  const pub = () => join(dir, 'audit-key.pub.pem');
  const checkpoint = (seq: number) =>
    join(dir, 'published', `checkpoint-${String(seq).padStart(6, '0')}.json`);
  const verify = (...extra: string[]) =>
    cli('audit', 'verify', '--checkpoint', checkpoint(1), '--public-key', pub(), ...extra);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { maxConnections: 2 });
    await migrateToLatest(db);
    for (const runId of Object.values(runs)) await driveRun(db, runId);
    dir = mkdtempSync(join(tmpdir(), 'tributary-audit-'));
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key pair and signs a first checkpoint over every run, published as JSON + signature', async () => {
    const keygen = await cli('audit', 'keygen', '--out', key());
    expect(keygen.code).toBe(0);
    expect(statSync(key()).mode & 0o777).toBe(0o600);
    expect((await cli('audit', 'keygen', '--out', key())).err).toMatch(/exists; not overwriting a key/);

    const created = await cli('audit', 'checkpoint', '--sign-key', key(), '--out', join(dir, 'published'));
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^checkpoint 1: 3 runs, \d+ events, root [0-9a-f]{16}…, hash [0-9a-f]{64}\n/);
    const doc = JSON.parse(readFileSync(checkpoint(1), 'utf8'));
    expect(doc.checkpoint).toMatchObject({
      format: 'tributary-audit-checkpoint/1',
      seq: 1,
      runCount: 3,
      prevHash: '0'.repeat(64),
    });
    expect(readFileSync(checkpoint(1).replace('.json', '.sig'), 'utf8').trim()).toBe(doc.signature);
    expect((await verify()).out).toBe(
      'audit ok: 3 run(s) covered by checkpoint 1, 0 newer; every chain verifies and reaches its signed head\n',
    );
  });

  it('chains the next checkpoint to the previous one and stores only the heads that moved', async () => {
    await appendEvents(db, {
      events: [
        {
          eventId: randomUUID(),
          runId: runs.edited,
          type: 'AuditNote',
          payload: { note: 'after checkpoint 1' },
          occurredAt: new Date(),
        },
      ],
    });
    const second = await cli(
      'audit',
      'checkpoint',
      '--sign-key',
      key(),
      '--out',
      join(dir, 'published'),
      '--json',
    );
    expect(second.code).toBe(0);
    const first = JSON.parse(readFileSync(checkpoint(1), 'utf8'));
    expect(JSON.parse(second.out)).toMatchObject({ seq: 2, prevHash: first.hash, runCount: 3 });
    const heads = await db
      .selectFrom('audit_checkpoint_heads')
      .select('run_id')
      .where('checkpoint_seq', '=', 2)
      .execute();
    expect(heads.map((h) => h.run_id)).toEqual([runs.edited]);
    // The first checkpoint still verifies: the run it covered only grew.
    expect((await verify()).code).toBe(0);
  });

  it('detects an edited row (hash mismatch), naming run and run_seq', async () => {
    await asOwner(db, async (trx) => {
      await sql`update event_log set actor = 'mallory' where run_id = ${runs.edited} and run_seq = 4`.execute(
        trx,
      );
    });
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.out.split('\n')).toEqual([
      'audit FAILED: 1 finding(s) (3 run(s) covered by checkpoint 1, 0 newer)',
      expect.stringMatching(
        new RegExp(
          `^  edited: run ${runs.edited}, run_seq 4 \\(event [0-9a-f-]{36}\\): content does not match its hash \\(hash_mismatch\\)$`,
        ),
      ),
      '',
    ]);
    await asOwner(db, async (trx) => {
      await sql`update event_log set actor = 'test' where run_id = ${runs.edited} and run_seq = 4`.execute(
        trx,
      );
    });
    expect((await verify()).code).toBe(0);
  });

  it('detects a chain rewritten and recomputed without the key, which the run alone does not show', async () => {
    await rewriteAndRehash(db, runs.rewritten, 2, 'mallory');
    // The database is self-consistent again: the per-run check, which trusts the head row, passes.
    expect((await cli('audit', 'verify', runs.rewritten)).code).toBe(0);

    const result = await verify(runs.rewritten);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      new RegExp(
        `^  rewritten: run ${runs.rewritten}: run_seq \\d+ hashes to [0-9a-f]{16}…, checkpoint 1 signed [0-9a-f]{16}…: the chain was recomputed$`,
        'm',
      ),
    );
    // …and no new checkpoint will endorse it.
    const refused = await cli('audit', 'checkpoint', '--sign-key', key());
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`run ${runs.rewritten}: run_seq`);
    expect(refused.out).toMatch(/^checkpoint REFUSED/);
  });

  it('detects a deleted run, and checks an exported file offline against the checkpoint', async () => {
    const exported = join(dir, 'deleted-run.ndjson');
    expect(
      (await cli('audit', 'export', runs.deleted, '--database-url', database.url, '--out', exported)).code,
    ).toBe(0);

    await asOwner(db, async (trx) => {
      for (const table of ['event_log', 'run_streams', 'runs', 'groups', 'task_instances'] as const)
        await trx.deleteFrom(table).where('run_id', '=', runs.deleted).execute();
    });
    const result = await verify();
    expect(result.code).toBe(1);
    const findings = result.out
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.split(': ').slice(0, 2).join(' '));
    expect(findings.sort()).toEqual([`  deleted run ${runs.deleted}`, `  rewritten run ${runs.rewritten}`]);
    expect(result.out).toContain(`  deleted: run ${runs.deleted}: checkpoint 1 covers`);

    // The export taken before still verifies offline, and matches the signed head.
    const offline = await cli(
      'audit',
      'verify',
      '--file',
      exported,
      '--checkpoint',
      checkpoint(1),
      '--public-key',
      pub(),
    );
    expect(offline.out).toMatch(
      new RegExp(
        `chain ok: \\d+ events of run ${runs.deleted} verify, head [0-9a-f]{64}\\n  matches signed checkpoint 1\\n$`,
      ),
    );
    expect(offline.code).toBe(0);
  });

  it('refuses a checkpoint file that was altered, or a key that did not sign it', async () => {
    const doc = JSON.parse(readFileSync(checkpoint(1), 'utf8'));
    doc.runs = doc.runs.filter(([runId]: [string]) => runId !== runs.deleted);
    const altered = join(dir, 'altered.json');
    writeFileSync(altered, JSON.stringify(doc));
    const result = await cli('audit', 'verify', '--checkpoint', altered, '--public-key', pub());
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `error: ${altered}: "runs" does not hash to the signed runsRoot: the list was altered\n`,
    );
    expect((await cli('audit', 'verify', '--checkpoint', altered)).code).toBe(2);
  });
});
