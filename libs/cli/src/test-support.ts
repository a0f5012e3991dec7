import type { CliContext } from './context.js';

/** A CLI context that records what a command printed, for tests. */
export function recordingContext(
  env: Record<string, string | undefined> = {},
  cwd = '/nonexistent-tributary-test-dir',
): CliContext & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      out: (text) => void (out += text),
      err: (text) => void (err += text),
      progressStream: null,
    },
    env,
    cwd,
    exitCode: 0,
    stdout: () => out,
    stderr: () => err,
  };
}
