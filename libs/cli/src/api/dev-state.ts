import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `tributary dev` leaves for later CLI calls in `.tributary/dev.json` (working directory). */
export interface DevState {
  apiUrl: string;
  /** The admin token dev created; absent when a token was configured. */
  token?: string | null;
  /** Where dev's services keep their data (an embedded Postgres when none answered), for `tributary audit`. */
  databaseUrl?: string;
  natsUrl?: string;
  subjectPrefix?: string;
  pid?: number;
  startedAt?: string;
}

export const DEV_STATE_DIR = '.tributary';
export const DEV_STATE_FILE = 'dev.json';

export const devStatePath = (cwd: string): string => join(cwd, DEV_STATE_DIR, DEV_STATE_FILE);

/** The stored dev state, or null when there is none (or it is unreadable). */
export function readDevState(cwd: string): DevState | null {
  let text: string;
  try {
    text = readFileSync(devStatePath(cwd), 'utf8');
  } catch {
    return null;
  }
  try {
    const value = JSON.parse(text) as Partial<DevState>;
    return typeof value.apiUrl === 'string' ? (value as DevState) : null;
  } catch {
    return null;
  }
}

/** Stores the dev state; readable by the owner only, since it may hold an admin token. */
export function writeDevState(cwd: string, state: DevState): string {
  mkdirSync(join(cwd, DEV_STATE_DIR), { recursive: true, mode: 0o700 });
  const path = devStatePath(cwd);
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return path;
}
