import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient } from '../api/api-client.js';
import { resolveApiTarget } from '../api/api-target.js';
import type { CliContext } from '../context.js';

/** Options every command that calls the api takes. */
export interface ApiOptions {
  apiUrl?: string;
  token?: string;
}

/** Adds `--api-url` and `--token` (defaults: TRIBUTARY_API_URL / TRIBUTARY_API_TOKEN, then .tributary/dev.json). */
export function withApiOptions(command: Command): Command {
  return command
    .option(
      '--api-url <url>',
      'api base URL (default: $TRIBUTARY_API_URL, then .tributary/dev.json, then http://127.0.0.1:8080)',
    )
    .option('--token <token>', 'bearer token (default: $TRIBUTARY_API_TOKEN, then .tributary/dev.json)');
}

/** Options of the commands that read Postgres directly. */
export interface DatabaseOptions {
  databaseUrl?: string;
}

export function withDatabaseOption(
  command: Command,
  description = 'Postgres URL (default: $TRIBUTARY_DATABASE_URL)',
): Command {
  return command.option('--database-url <url>', description);
}

export const withJson = (command: Command): Command => command.option('--json', 'print JSON instead of text');

export function apiClientFor(ctx: CliContext, options: ApiOptions): ApiClient {
  return new ApiClient(resolveApiTarget(ctx.env, ctx.cwd, { apiUrl: options.apiUrl, token: options.token }));
}

/** Parses a JSON option value; a usage error (exit 2) that quotes the parser's reason otherwise. */
export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError(
      `expected a JSON object like '{"markets":["LU"]}', got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`,
    );
  }
  return parsed as Record<string, unknown>;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got '${value}'`);
  }
  return n;
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535)
    throw new InvalidArgumentError(`expected a port number (0-65535), got '${value}'`);
  return n;
}

export function parseList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return items;
}

/** Commander collects options and globals; actions get (args…, options, command). */
export type ActionOptions<T> = T & Record<string, unknown>;
