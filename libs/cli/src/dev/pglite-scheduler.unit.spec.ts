import { describe, expect, it } from 'vitest';
import { isReadOnlySql, messageKind, sqlOf } from './pglite-scheduler.js';

const message = (type: string, body: Buffer): Uint8Array => {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return new Uint8Array(Buffer.concat([header, body]));
};
const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8');

describe('PGlite session scheduler: reading protocol messages', () => {
  it('tells message kinds apart, startup messages included', () => {
    const startup = Buffer.alloc(8 + 5);
    startup.writeInt32BE(13, 0);
    startup.writeInt32BE(196608, 4);
    expect(messageKind(new Uint8Array(startup))).toBe('startup');
    expect(messageKind(message('S', Buffer.alloc(0)))).toBe('S');
    expect(messageKind(message('Q', cstr('begin')))).toBe('Q');
  });

  it('reads the SQL of simple queries and of parse messages (after the statement name)', () => {
    expect(sqlOf(message('Q', cstr('BEGIN')))).toBe('BEGIN');
    expect(
      sqlOf(
        message(
          'P',
          Buffer.concat([cstr(''), cstr('select * from "pipelines" where "id" = $1'), Buffer.alloc(2)]),
        ),
      ),
    ).toBe('select * from "pipelines" where "id" = $1');
    expect(sqlOf(message('B', Buffer.alloc(4)))).toBeNull();
  });

  it('lets only plain reads run inside another connection’s transaction', () => {
    expect(isReadOnlySql('select * from "pipelines" where "pipeline_id" = $1')).toBe(true);
    expect(isReadOnlySql('  SELECT 1')).toBe(true);
    expect(isReadOnlySql('select "updated_at" from "runs"')).toBe(true);
    expect(isReadOnlySql('select * from "outbox" where "published_at" is null for update skip locked')).toBe(
      false,
    );
    expect(isReadOnlySql('update "outbox" set "published_at" = now()')).toBe(false);
    expect(isReadOnlySql('with x as (delete from t returning *) select * from x')).toBe(false);
    expect(isReadOnlySql('begin')).toBe(false);
  });
});
