import { ApiError, type Issue } from '@tributary/api-contract';

/** Exit codes of the `tributary` command. */
export const EXIT_OK = 0;
/** A failed run, or an operation that failed (api error, broken chain, unreachable service). */
export const EXIT_FAILED = 1;
/** Bad usage: unknown command or flag, missing argument, unparsable value. */
export const EXIT_USAGE = 2;
/** A followed run ended `success` but partial: some group failed (see the run view's `failedGroups`). */
export const EXIT_PARTIAL = 3;
/** Stopped following (Ctrl-C); the run keeps going. */
export const EXIT_STOPPED = 130;

/** An error the CLI reports as `error: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
  }
}

/** A usage error (exit 2): the command line itself is wrong. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** One problem the api names in an error response. */
export type ApiErrorDetail = Issue;

/** An error answer of the api, or status 0 when no answer came: the contract's client-side class. */
export { ApiError };

/** `error: <code>: <message>` then `  <path>: <message>` per detail. */
export function formatApiError(error: ApiError): string {
  const lines = [`error: ${error.code}: ${error.message}`];
  for (const detail of error.details) lines.push(`  ${detail.path || '/'}: ${detail.message}`);
  return lines.join('\n');
}

/**
 * One problem of a pipeline file as `file:line:column path: message` (compiler style, so editors
 * jump to it); `file path: message` when the api gave no position.
 */
export function formatSpecProblem(file: string, detail: ApiErrorDetail): string {
  const where =
    detail.line !== undefined && detail.line !== null ? `${file}:${detail.line}:${detail.column ?? 1}` : file;
  return `${where} ${detail.path || '/'}: ${detail.message}`;
}

/** The text shown for any error a command threw. */
export function formatError(error: unknown): string {
  if (error instanceof ApiError) return formatApiError(error);
  if (error instanceof CliError) return `error: ${error.message}`;
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}

/** The exit code for any error a command threw. */
export function exitCodeOf(error: unknown): number {
  return error instanceof CliError ? error.exitCode : EXIT_FAILED;
}
