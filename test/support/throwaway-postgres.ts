import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, waitFor } from './free-port.js';

const run = promisify(execFile);

/** Where Debian keeps the server binaries; override with PG_BIN. */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A Postgres cluster of its own — `initdb` into a temporary directory, `pg_ctl start` on a free port
 * with its socket in its own directory — that a test may stop hard (`-m immediate`, as a crash would)
 * and start again on the same port and data. Runs the binaries as the OS user `postgres` when this
 * process is root (initdb refuses root).
 */
export class ThrowawayPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly user: string | null,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }

  /** initdb + start; `settings` become `-c name=value` server options. */
  static async create(settings: Record<string, string | number> = {}): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-pg-'));
    const root = process.getuid?.() === 0;
    const user = root ? 'postgres' : null;
    if (root) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    chmodSync(dir, 0o700);
    const server = new ThrowawayPostgres(dir, await freePort(), user);
    try {
      await server.pg('initdb', [
        '-D',
        server.dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '--no-sync',
        '-E',
        'UTF8',
      ]);
      server.options = {
        port: server.port,
        listen_addresses: '127.0.0.1',
        unix_socket_directories: dir,
        max_connections: 300,
        // A killed server loses nothing the OS had (the machine does not crash): no fsync needed.
        fsync: 'off',
        ...settings,
      };
      await server.start();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  private options: Record<string, string | number> = {};

  /** Starts the server (again) on the same port and data; resolves once it accepts connections. */
  async start(): Promise<void> {
    const opts = Object.entries(this.options)
      .map(([k, v]) => `-c ${k}=${typeof v === 'string' && v.includes(' ') ? `'${v}'` : v}`)
      .join(' ');
    await this.pg('pg_ctl', ['start', '-w', '-t', '60', '-D', this.dataDir, '-l', this.logFile, '-o', opts]);
    await waitFor(`postgres on port ${this.port}`, () => this.accepts(), 30_000, 100);
  }

  /** `pg_ctl stop -m immediate` (default: a crash, no checkpoint) or `fast`. */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await this.pg('pg_ctl', ['stop', '-w', '-m', mode, '-D', this.dataDir]);
  }

  async running(): Promise<boolean> {
    try {
      await this.pg('pg_ctl', ['status', '-D', this.dataDir]);
      return true;
    } catch {
      return false;
    }
  }

  /** Creates a database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stops the server (if running) and removes its directory. */
  async destroy(): Promise<void> {
    if (await this.running()) await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async accepts(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async pg(binary: string, args: string[]): Promise<string> {
    const path = join(PG_BIN, binary);
    const { stdout } = this.user
      ? await run('runuser', ['-u', this.user, '--', path, ...args], { cwd: this.dir })
      : await run(path, args, { cwd: this.dir });
    return stdout;
  }
}
