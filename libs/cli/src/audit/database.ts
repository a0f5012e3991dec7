import type { Kysely } from 'kysely';
import type { CliContext } from '../context.js';
import { createDb, type Database } from '@tributary/event-store';
import { readDevState } from '../api/dev-state.js';
import { DEFAULT_DATABASE_URL } from '@tributary/runtime';

/** `--database-url`, then TRIBUTARY_DATABASE_URL, then the database `tributary dev` stored, then the default. */
export function databaseUrlOf(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  flag?: string,
): string {
  const configured = env.TRIBUTARY_DATABASE_URL?.trim() ? env.TRIBUTARY_DATABASE_URL.trim() : undefined;
  return flag ?? configured ?? readDevState(cwd)?.databaseUrl ?? DEFAULT_DATABASE_URL;
}

/** A small pool for one CLI command; destroy it when done. */
export const openDatabase = (url: string): Kysely<Database> =>
  createDb(url, { maxConnections: 2, applicationName: 'tributary-cli' });

/** Opens the database for one command (`--database-url`, then the environment…) and always closes it. */
export async function withDatabase<T>(
  ctx: CliContext,
  options: { databaseUrl?: string },
  use: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const db = openDatabase(databaseUrlOf(ctx.env, ctx.cwd, options.databaseUrl));
  try {
    return await use(db);
  } finally {
    await db.destroy().catch(() => undefined);
  }
}
