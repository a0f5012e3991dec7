/**
 * What the program specs share: temporary directories (removed when the spec file calls
 * `removeTempDirs` after all its tests) and `cli`, which runs the program with a recording context.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './program.js';
import { recordingContext } from './test-support.js';

const tempDirs: string[] = [];
export const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-cli-'));
  tempDirs.push(dir);
  return dir;
};
export const removeTempDirs = (): void => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
};

export const cli = async (args: string[], env: Record<string, string> = {}, cwd?: string) => {
  const ctx = recordingContext(env, cwd);
  const code = await runCli(args, ctx);
  return { code, out: ctx.stdout(), err: ctx.stderr() };
};
