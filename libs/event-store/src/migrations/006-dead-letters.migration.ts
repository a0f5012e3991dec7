import { sql, type Kysely } from 'kysely';

/**
 * Messages a consumer gave up on (issue #8): undecodable ones and ones whose handler can never
 * succeed are terminated (`term`) and recorded here with where they came from (stream, consumer,
 * subject, stream sequence), why (`reason`), when, and their bytes, instead of blocking the consumer
 * or vanishing. Messages the server stopped delivering (`max_deliver`) are recorded the same way.
 * One row per message and consumer: a record repeated after a redelivery is ignored.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table dead_letters (
      id bigserial primary key,
      recorded_at timestamptz not null default now(),
      service text not null,
      stream text not null,
      consumer text not null,
      subject text not null,
      stream_seq bigint not null,
      deliveries integer not null,
      reason text not null,
      error_type text,
      msg_id text,
      headers jsonb not null default '{}'::jsonb,
      payload bytea,
      payload_bytes integer,
      published_at timestamptz
    )`.execute(db);
  // A stream that was deleted and created again restarts its sequences: the publish time tells them apart.
  await sql`create unique index dead_letters_message_idx
            on dead_letters (stream, consumer, stream_seq, coalesce(published_at, 'epoch'::timestamptz))`.execute(
    db,
  );
  await sql`create index dead_letters_recorded_at_idx on dead_letters (recorded_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dead_letters').ifExists().execute();
}
