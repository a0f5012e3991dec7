import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, tcpAnswers } from './probe.js';

/** A nats-server child process with JetStream in a temporary directory. */
export interface LocalNats {
  url: string;
  storeDir: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `<binary> -js -sd <temp dir> -a 127.0.0.1 -p <free port>` and waits until it accepts connections. */
export async function startLocalNats(binary: string, timeoutMs = 10_000): Promise<LocalNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'tributary-nats-'));
  const child: ChildProcess = spawn(binary, ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  child.once('error', (error) => {
    output += `\n${error.message}`;
  });

  // Never leave the server behind, even when this process exits without stopping it (a second Ctrl-C).
  const onExit = () => {
    if (!exited) child.kill('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const stop = async () => {
    process.removeListener('exit', onExit);
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(storeDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (!(await tcpAnswers('127.0.0.1', port, 500))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(
        `${binary} did not start on port ${port}${exited ? ` (exited with ${child.exitCode})` : ''}:\n${output.trim()}`,
      );
    }
    await sleep(50);
  }
  return { url: `nats://127.0.0.1:${port}`, storeDir, pid: child.pid ?? 0, stop };
}
