import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Login roles made for one test on the server of a test database (roles are server-wide). */
export interface TestRoles {
  /** Role name by label: `tributary_test_<8 hex>_<label>`. */
  readonly names: Readonly<Record<string, string>>;
  /** The test database's URL, connecting as the role of `label`. */
  urlFor(label: string): string;
  /** Ends the roles' sessions, drops what they hold in the database, then the roles. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates one LOGIN role (no rights yet) per label, to run code as a restricted role against the test
 * database at `databaseUrl` (connected to as a superuser). The local server trusts 127.0.0.1, so the
 * roles need no password.
 */
export async function createTestRoles(databaseUrl: string, labels: readonly string[]): Promise<TestRoles> {
  const id = randomBytes(4).toString('hex');
  const names = Object.fromEntries(
    labels.map((label) => [label, `tributary_test_${id}_${label.replace(/[^a-z0-9]/g, '_')}`]),
  );
  await withClient(databaseUrl, async (admin) => {
    for (const name of Object.values(names))
      await admin.query(`create role ${admin.escapeIdentifier(name)} login`);
  });
  let dropped = false;
  return {
    names,
    urlFor(label) {
      const name = names[label];
      if (name === undefined) throw new Error(`no test role for "${label}" (made: ${labels.join(', ')})`);
      const url = new URL(databaseUrl);
      url.username = name;
      url.password = '';
      return url.toString();
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      const roles = Object.values(names);
      await withClient(databaseUrl, async (admin) => {
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = any($1)', [
          roles,
        ]);
        const list = roles.map((role) => admin.escapeIdentifier(role)).join(', ');
        await admin.query(`drop owned by ${list}`).catch(() => undefined); // the database may be gone
        for (const role of roles) await admin.query(`drop role if exists ${admin.escapeIdentifier(role)}`);
      }).catch(async () => {
        // The test database was dropped first: its grants went with it; drop the roles from `postgres`.
        const url = new URL(databaseUrl);
        url.pathname = '/postgres';
        await withClient(url.toString(), async (admin) => {
          for (const role of roles) await admin.query(`drop role if exists ${admin.escapeIdentifier(role)}`);
        });
      });
    },
  };
}

async function withClient(url: string, use: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}
