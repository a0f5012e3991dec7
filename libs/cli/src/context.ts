/** Where a command writes and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  /** Writes to standard output (no newline added). */
  out(text: string): void;
  /** Writes to standard error (no newline added). */
  err(text: string): void;
  /**
   * Where live progress bars are drawn: standard error when it is a terminal (so stdout stays the
   * command's output, and can be piped); null means plain progress lines on stdout instead.
   */
  readonly progressStream: NodeJS.WriteStream | null;
}

export interface CliContext {
  readonly io: CliIo;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The process exit code the command chose; set by actions, read by `runCli`. */
  exitCode: number;
}

/** The real process: stdout, stderr, environment and working directory. */
export function processContext(): CliContext {
  return {
    io: {
      out: (text) => void process.stdout.write(text),
      err: (text) => void process.stderr.write(text),
      progressStream: process.stderr.isTTY === true && process.env.TERM !== 'dumb' ? process.stderr : null,
    },
    env: process.env,
    cwd: process.cwd(),
    exitCode: 0,
  };
}

/** Writes a line to stdout. */
export const println = (ctx: CliContext, line = ''): void => ctx.io.out(`${line}\n`);
/** Writes a line to stderr. */
export const eprintln = (ctx: CliContext, line = ''): void => ctx.io.err(`${line}\n`);
