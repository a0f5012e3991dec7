import { describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { recordingContext } from '../test-support.js';

async function cli(...args: string[]) {
  const ctx = recordingContext();
  const code = await runCli(args, ctx);
  return { code, err: ctx.stderr() };
}

describe('audit commands: usage errors say what is missing (exit 2)', () => {
  it.each([
    [['audit', 'verify'], 'error: give a run id, --file <run.ndjson>, or --checkpoint <file> --public-key <pem>\n'],
    [
      ['audit', 'verify', '--checkpoint', 'c.json'],
      'error: --checkpoint and --public-key go together: a checkpoint is only trusted once its signature verifies\n',
    ],
    [['audit', 'verify', 'run-1', '--file', 'run.ndjson'], 'error: --file verifies the run in the file: give no run id\n'],
    [
      ['audit', 'checkpoint'],
      'error: --sign-key <key.pem> is required to create a checkpoint (create one with `tributary audit keygen`)\n',
    ],
    [
      ['audit', 'checkpoint', '--stored', '--sign-key', 'k.pem'],
      'error: --stored writes a stored checkpoint again; it signs nothing (drop --sign-key)\n',
    ],
  ])('%j', async (args, message) => {
    expect(await cli(...args)).toEqual({ code: 2, err: message });
  });

  it('names a missing file or key (exit 1), and a missing --out (commander, exit 2)', async () => {
    expect(await cli('audit', 'verify', '--file', '/nonexistent/run.ndjson')).toEqual({
      code: 1,
      err: 'error: --file /nonexistent/run.ndjson: no such file\n',
    });
    expect(await cli('audit', 'checkpoint', '--sign-key', '/nonexistent/k.pem')).toEqual({
      code: 1,
      err: 'error: --sign-key /nonexistent/k.pem: no such file\n',
    });
    expect((await cli('audit', 'keygen')).code).toBe(2);
  });
});
