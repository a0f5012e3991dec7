import type { ColumnType } from 'kysely';

/**
 * A jsonb column: read back parsed, written as JSON text. Writing text (never a
 * JS value) matters: pg would send a JS array as a Postgres array literal, which
 * jsonb rejects.
 */
export type JsonColumn = ColumnType<unknown, string, string>;

/** A nullable jsonb column. */
export type NullableJsonColumn = ColumnType<unknown | null, string | null | undefined, string | null>;

/** A timestamptz column: pg returns a `Date`. */
export type TimestampColumn = ColumnType<Date, Date | string, Date | string>;

/** A timestamptz column with a database default. */
export type DefaultedTimestampColumn = ColumnType<Date, Date | string | undefined, Date | string>;

/** A nullable timestamptz column. */
export type NullableTimestampColumn = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;

/**
 * A bigserial column: pg returns int8 as a decimal string (JS numbers lose
 * precision past 2^53); it is never written by the application.
 */
export type BigSerialColumn = ColumnType<string, never, never>;
