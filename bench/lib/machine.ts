import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import { Redis } from 'ioredis';
import { DEFAULT_TEST_DATABASE_URL, DEFAULT_TEST_NATS_URL } from '@tributary/testing';
import { ROOT } from '../../test/support/tributary-system.js';
import { redisConnection } from '../contenders/bullmq.js';

/** Where and on what the figures were measured. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  ramGiB: number;
  loadAtStart: number[];
  loadAtEnd?: number[];
  node: string;
  postgres: string;
  natsServer: string;
  redis: string;
  bullmq: string;
  ioredis: string;
  /** `git describe --always --dirty`, and how many files under libs/ and services/ differ from it. */
  commit: string;
  uncommittedEngineFiles: number;
}

const orUnknown = async (read: () => Promise<string>): Promise<string> => {
  try {
    return await read();
  } catch (error) {
    return `unknown (${error instanceof Error ? error.message : String(error)})`;
  }
};

/** A package's version, found from its resolved entry point (its exports hide package.json). */
function packageVersion(name: string): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(name));
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        if (pkg.name === name) return pkg.version;
      } catch {
        /* not here: go up */
      }
      const up = dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  } catch {
    return 'unknown';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', ['-C', ROOT, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/** The checked-out code: `git describe --always --dirty` (the services run from their dist, built from it). */
export function codeVersion(): string {
  return git(['describe', '--always', '--dirty']) || 'unknown';
}

export async function machineInfo(): Promise<MachineInfo> {
  const postgres = orUnknown(async () => {
    const client = new pg.Client({
      connectionString: process.env.TRIBUTARY_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL,
    });
    await client.connect();
    try {
      return (await client.query('show server_version')).rows[0].server_version as string;
    } finally {
      await client.end();
    }
  });
  const nats = orUnknown(async () => {
    const { connect } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: process.env.TRIBUTARY_NATS_URL ?? DEFAULT_TEST_NATS_URL });
    try {
      return nc.info?.version ?? 'unknown';
    } finally {
      await nc.close();
    }
  });
  const redis = orUnknown(async () => {
    const { host, port } = redisConnection();
    const client = new Redis({ host, port, lazyConnect: true });
    await client.connect();
    try {
      return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
    } finally {
      client.disconnect();
    }
  });
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    ramGiB: totalmem() / 2 ** 30,
    loadAtStart: loadavg(),
    node: process.version,
    postgres: await postgres,
    natsServer: await nats,
    redis: await redis,
    bullmq: packageVersion('bullmq'),
    ioredis: packageVersion('ioredis'),
    commit: codeVersion(),
    uncommittedEngineFiles: git(['status', '--porcelain', '--', 'libs', 'services'])
      .split('\n')
      .filter(Boolean).length,
  };
}
