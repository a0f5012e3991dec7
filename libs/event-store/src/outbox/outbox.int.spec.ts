import { describe, expect, it } from 'vitest';
import { useMigratedDb } from '../test-fixtures/migrated-db.fixture.js';
import { claimOutbox } from './claim-outbox.js';
import { enqueueOutbox } from './enqueue-outbox.js';
import { markPublished } from './mark-published.js';
import type { OutboxMessage } from './outbox-message.js';
import { pruneOutbox } from './prune-outbox.js';

const message = (msgId: string): OutboxMessage => ({
  msgId,
  subject: 'tributary.task.search',
  payload: Uint8Array.from([0, 1, 2, 255]),
});

describe('outbox', () => {
  const db = useMigratedDb();

  it('enqueues once per msgId, keeping bytes and headers exactly', async () => {
    const sliced = new Uint8Array([9, 9, 7, 8, 9]).subarray(2, 4); // a view with an offset
    expect(
      await enqueueOutbox(db(), [
        message('e-1'),
        { msgId: 'e-2', subject: 's', payload: sliced, headers: { a: 'b' } },
      ]),
    ).toBe(2);
    expect(await enqueueOutbox(db(), [message('e-1')])).toBe(0);

    const rows = await db()
      .selectFrom('outbox')
      .select(['msg_id', 'payload', 'headers'])
      .where('msg_id', 'like', 'e-%')
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { msg_id: 'e-1', payload: Buffer.from([0, 1, 2, 255]), headers: {} },
      { msg_id: 'e-2', payload: Buffer.from([7, 8]), headers: { a: 'b' } },
    ]);
    await db()
      .transaction()
      .execute(async (trx) => {
        const claimed = await claimOutbox(trx, 100);
        await markPublished(
          trx,
          claimed.map((row) => row.id),
        );
      });
  });

  it('lets two publishers claim disjoint batches, oldest first', async () => {
    await enqueueOutbox(
      db(),
      Array.from({ length: 10 }, (_, i) => message(`c-${i}`)),
    );

    let releaseFirst: () => void = () => undefined;
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstClaimed: string[] = [];
    const first = db()
      .transaction()
      .execute(async (trx) => {
        firstClaimed = (await claimOutbox(trx, 6)).map((row) => row.msgId);
        await firstHolds; // still publishing
      });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const secondClaimed = await db()
      .transaction()
      .execute(async (trx) => (await claimOutbox(trx, 6)).map((row) => row.msgId));
    releaseFirst();
    await first;

    expect(firstClaimed).toEqual(['c-0', 'c-1', 'c-2', 'c-3', 'c-4', 'c-5']);
    expect(secondClaimed).toEqual(['c-6', 'c-7', 'c-8', 'c-9']);
  });

  it('does not hand out published messages again', async () => {
    const published = await db()
      .transaction()
      .execute(async (trx) => {
        const claimed = await claimOutbox(trx, 4);
        expect(
          await markPublished(
            trx,
            claimed.map((row) => row.id),
          ),
        ).toBe(4);
        return claimed;
      });
    expect(published.map((row) => row.msgId)).toEqual(['c-0', 'c-1', 'c-2', 'c-3']);
    expect(
      await markPublished(
        db(),
        published.map((row) => row.id),
      ),
    ).toBe(0);

    const rest = await claimOutbox(db(), 100);
    expect(rest.map((row) => row.msgId)).toEqual(['c-4', 'c-5', 'c-6', 'c-7', 'c-8', 'c-9']);
    expect(rest[0]).toMatchObject({
      subject: 'tributary.task.search',
      headers: {},
      createdAt: expect.any(Date),
    });
    expect(await markPublished(db(), [])).toBe(0);
  });

  it('prunes published rows older than the cut-off, oldest first, and never an unpublished one', async () => {
    await enqueueOutbox(
      db(),
      Array.from({ length: 6 }, (_, i) => message(`p-${i}`)),
    );
    const at = (msgId: string, publishedAt: Date | null) =>
      db().updateTable('outbox').set({ published_at: publishedAt }).where('msg_id', '=', msgId).execute();
    const hourAgo = new Date(Date.now() - 3_600_000);
    await at('p-0', hourAgo);
    await at('p-1', hourAgo);
    await at('p-2', hourAgo);
    await at('p-3', new Date()); // published just now: kept
    // p-4 and p-5 stay unpublished, however old they are.
    await db()
      .updateTable('outbox')
      .set({ created_at: hourAgo })
      .where('msg_id', 'in', ['p-4', 'p-5'])
      .execute();
    const cutOff = new Date(Date.now() - 60_000);
    const remaining = async () =>
      (
        await db()
          .selectFrom('outbox')
          .select('msg_id')
          .where('msg_id', 'like', 'p-%')
          .orderBy('id')
          .execute()
      ).map((r) => r.msg_id);
    expect(await pruneOutbox(db(), cutOff, 2)).toBe(2); // the limit bounds one call
    expect(await remaining()).toEqual(['p-2', 'p-3', 'p-4', 'p-5']);
    expect(await pruneOutbox(db(), cutOff, 2)).toBe(1);
    expect(await pruneOutbox(db(), cutOff, 2)).toBe(0);
    expect(await remaining()).toEqual(['p-3', 'p-4', 'p-5']);
  });
});
