import type { Kysely } from 'kysely';
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
