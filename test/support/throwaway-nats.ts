import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort, waitFor } from './free-port.js';

/** The server binary; override with NATS_SERVER. */
export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

export interface ThrowawayNatsOptions {
  /** A configuration file (`-c`); the port, address and store directory flags still win over it. */
  config?: string;
  /** Environment of the server (the variables a configuration file refers to, e.g. passwords). */
  env?: Record<string, string>;
  /** User and password to check the server answers, when the configuration requires them. */
  auth?: { user: string; pass: string };
}

/**
 * A `nats-server -js` of its own: its own port and JetStream store directory, so a test may kill it
 * (SIGKILL, as a crash would) and start it again on the same port with the same store.
 */
export class ThrowawayNats {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly options: ThrowawayNatsOptions = {},
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get storeDir(): string {
    return join(this.dir, 'store');
  }

  /** The server's output (all starts), for failure reports. */
  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  static async create(options: ThrowawayNatsOptions = {}): Promise<ThrowawayNats> {
    const server = new ThrowawayNats(
      mkdtempSync(join(tmpdir(), 'tributary-nats-')),
      await freePort(),
      options,
    );
    try {
      await server.start();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  /** Starts the server (again) with the same port and store; resolves once a client connects. */
  async start(): Promise<void> {
    if (this.running) throw new Error('nats-server is already running');
    const child = spawn(
      NATS_SERVER,
      [
        ...(this.options.config ? ['-c', this.options.config] : []),
        ...['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.options.env } },
    );
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.child = child;
    await waitFor(
      `nats-server on port ${this.port}`,
      async () => {
        if (!this.running) throw new Error(`nats-server exited:\n${this.output.slice(-2000)}`);
        const nc = await connect({
          servers: this.url,
          reconnect: false,
          timeout: 1000,
          ...this.options.auth,
        });
        await nc.close();
        return true;
      },
      30_000,
      100,
    );
  }

  /** Stops the server: SIGKILL (a crash) by default, SIGTERM for a clean shutdown. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
