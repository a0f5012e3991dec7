import { Option, type Command } from 'commander';
import { seg } from '../api/api-client.js';
import { eprintln, println, type CliContext } from '../context.js';
import { formatTable, jsonText, shortTime } from '../output/table.js';
import { apiClientFor, withApiOptions, withJson, type ApiOptions } from './shared.js';

const ROLES = ['viewer', 'operator', 'admin'] as const;

interface TokenSummary {
  name: string;
  role: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** `tributary tokens create|list|revoke` (admin): the token lifecycle over `/api/v1/tokens`. */
export function registerTokens(program: Command, ctx: CliContext): void {
  const tokens = program
    .command('tokens')
    .description('create, list and revoke api tokens (needs an admin token)');

  withJson(
    withApiOptions(
      tokens
        .command('create')
        .description('create a token; it is printed once and cannot be shown again')
        .addOption(new Option('--role <role>', 'what the token may do').choices(ROLES).makeOptionMandatory())
        .option('--name <name>', 'its name, the actor of what it does (default: <role>-<date>-<time>)')
        .option('--expires <when>', 'a lifetime (30d, 12h, 90m, 2w) or an ISO date (2026-12-31); default: never'),
    ),
  ).action(async (options: ApiOptions & { role: string; name?: string; expires?: string; json?: boolean }) => {
    const name = options.name ?? `${options.role}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
    const created = await apiClientFor(ctx, options).post<{ token: string; name: string; role: string; expiresAt: string | null }>(
      '/tokens',
      { name, role: options.role, ...(options.expires ? { expires: options.expires } : {}) },
    );
    if (options.json) return void ctx.io.out(jsonText(created));
    println(ctx, created.token);
    eprintln(
      ctx,
      `token "${created.name}" (${created.role}${created.expiresAt ? `, expires ${shortTime(created.expiresAt)} UTC` : ''}) created; ` +
        'it is shown only this once: store it now (e.g. as TRIBUTARY_API_TOKEN)',
    );
  });

  withJson(
    withApiOptions(
      tokens
        .command('list')
        .description('list tokens (never the tokens themselves)')
        .option('--revoked', 'include revoked tokens'),
    ),
  ).action(async (options: ApiOptions & { revoked?: boolean; json?: boolean }) => {
    const rows = await apiClientFor(ctx, options).get<TokenSummary[]>(`/tokens${options.revoked ? '?revoked=true' : ''}`);
    if (options.json) return void ctx.io.out(jsonText(rows));
    if (rows.length === 0) return println(ctx, 'no tokens');
    println(
      ctx,
      formatTable(rows, [
        { header: 'NAME', value: (t) => t.name },
        { header: 'ROLE', value: (t) => t.role },
        { header: 'CREATED', value: (t) => shortTime(t.createdAt) },
        { header: 'BY', value: (t) => t.createdBy },
        { header: 'EXPIRES', value: (t) => shortTime(t.expiresAt) },
        { header: 'LAST USED', value: (t) => shortTime(t.lastUsedAt) },
        { header: 'REVOKED', value: (t) => shortTime(t.revokedAt) },
      ]),
    );
  });

  withJson(
    withApiOptions(
      tokens
        .command('revoke')
        .description('revoke the active token of this name (refused by every api replica within 2 s)')
        .argument('<name>', 'token name'),
    ),
  ).action(async (name: string, options: ApiOptions & { json?: boolean }) => {
    const reply = await apiClientFor(ctx, options).request<unknown>('DELETE', `/tokens/${seg(name)}`);
    if (options.json) return void ctx.io.out(jsonText(reply));
    println(ctx, `token "${name}" revoked`);
  });
}
