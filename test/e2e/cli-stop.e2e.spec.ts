import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { createDispatchBatch, encodeDispatchBatch, jsonToBytes, subjects } from '@tributary/events';
import {
  createTestDatabase,
  createTestNats,
  eventually,
  type TestDatabase,
  type TestNats,
} from '@tributary/testing';
import { CLI } from '../support/tributary-system.js';

describe('`tributary start executor` stops on SIGTERM even when a handler ignores its abort', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await createTestNats();
    dir = mkdtempSync(join(tmpdir(), 'cli-stop-'));
  });

  afterAll(async () => {
    await nats?.cleanup();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits within the grace period, with exit code 0, while the stubborn handler would run for a minute', async () => {
    const marker = join(dir, 'started');
    const module = join(dir, 'stubborn.mjs');
    // Ignores ctx.signal and keeps a one-minute timer: on its own it would hold the process up.
    writeFileSync(
      module,
      `import { writeFileSync } from 'node:fs';
       export const stubborn = { name: 'stubborn', run: () => {
         writeFileSync(${JSON.stringify(marker)}, 'x');
         return new Promise((resolve) => setTimeout(resolve, 60_000));
       } };\n`,
    );
    const child = spawn(process.execPath, [CLI, 'start', 'executor', '--executors', 'stubborn', '--shutdown-grace', '300ms'], {
      env: {
        ...process.env,
        TRIBUTARY_DATABASE_URL: database.url,
        TRIBUTARY_NATS_URL: nats.url,
        TRIBUTARY_SUBJECT_PREFIX: nats.prefix,
        TRIBUTARY_HANDLERS: module,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(() => expect(output).toContain('executor started'), 30_000);
      const nc = await connect({ servers: nats.url });
      const batch = createDispatchBatch('stubborn', [
        {
          attemptId: 'run-1/wait#1',
          runId: 'run-1',
          taskId: 'wait',
          stage: 'wait',
          attempt: 1,
          inputJson: jsonToBytes({}),
          pipelineId: 'test',
        },
      ]);
      await jetstream(nc).publish(subjects(nats.prefix).task('stubborn'), encodeDispatchBatch(batch), {
        msgID: batch.batchId,
      });
      await nc.close();
      await eventually(() => expect(existsSync(marker)).toBe(true), 15_000);

      const stoppedAt = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      expect(code, output).toBe(0);
      // Grace 300 ms, then the abort; then at most EXIT_GRACE_MS (2 s) for what the handler still holds.
      expect(Date.now() - stoppedAt, output).toBeLessThan(10_000);
      expect(output).toContain('stopped');
      expect(output).toMatch(/ignored its abort signal/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
