import type { CreatedToken, RevokedToken, TokenView } from '@tributary/api-contract';
import { isSystemActor } from '@tributary/domain';
import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiError, invalidRequest } from '../http/api-error.js';
import { jsonBody } from '../http/body.js';
import { BodyFields, QueryFields } from '../http/fields.js';
import { ApiOperation, type QueryDoc } from '../openapi/api-operation.js';
import type { ApiRequest } from '../http/http-types.js';
import { Caller, MinRole, ROLES, type Principal, type Role } from './principal.js';
import { expiryOf } from './token-expiry.js';
import { BOOTSTRAP_TOKEN_NAME, TokenStore } from './token-store.js';
import { TokenVerifier } from './token-verifier.js';

const NAME = {
  maxLength: 100,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._@:+-]*$/,
  patternHint: 'letters, digits and . _ @ : + - (starting with a letter or digit)',
} as const;

const LIST_QUERY = {
  revoked: { type: 'boolean', oneOf: ['true', 'false'], description: 'Also the revoked tokens.' },
} satisfies QueryDoc;

/**
 * Token lifecycle (admin): `POST /tokens {name, role, expires?}` → 201 `{token, name, role, expiresAt}`
 * (the token is shown only here), `GET /tokens[?revoked=true]`, `DELETE /tokens/:name` (revoke).
 */
@Controller('tokens')
@MinRole('admin')
export class TokensController {
  constructor(
    @Inject(TokenStore) private readonly tokens: TokenStore,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Creates a token; the answer is the only one that shows it.',
    body: 'CreateTokenRequest',
    response: 'CreatedToken',
  })
  async create(@Req() req: ApiRequest, @Caller() caller: Principal): Promise<CreatedToken> {
    const body = new BodyFields(jsonBody(req));
    const name = body.string('name', { required: true, ...NAME });
    const role = body.string('role', { required: true, oneOf: ROLES }) as Role;
    const now = new Date();
    const expires = body.string('expires', {
      maxLength: 40,
      check: (value) => {
        const expiry = expiryOf(value, now);
        return 'problem' in expiry ? expiry.problem : null;
      },
    });
    body.finish();
    if (name === BOOTSTRAP_TOKEN_NAME) {
      throw new ApiError(
        409,
        'name_in_use',
        `"${BOOTSTRAP_TOKEN_NAME}" is reserved for TRIBUTARY_BOOTSTRAP_ADMIN_TOKEN; choose another name`,
      );
    }
    if (isSystemActor(name)) {
      // Token names are actors: a token named like a service could act as that service in the audit log.
      throw invalidRequest('the token', [
        {
          path: '/name',
          message: `"${name}" is a name the services write for themselves (planner, cron, upstream:<subject>, executor:…)`,
        },
      ]);
    }
    if (await this.tokens.nameInUse(name)) {
      throw new ApiError(
        409,
        'name_in_use',
        `an active token is already named "${name}"; token names are actors in the audit log (revoke it first to reuse the name)`,
      );
    }
    const expiresAt = expires === undefined ? null : (expiryOf(expires, now) as { at: Date }).at;
    const token = await this.tokens.create({ name, role, expiresAt, createdBy: caller.name });
    return { token, name, role, expiresAt: expiresAt?.toISOString() ?? null };
  }

  @Get()
  @ApiOperation({
    summary: 'The active tokens (never the token itself).',
    query: LIST_QUERY,
    response: 'TokenView[]',
  })
  async list(@Query() query: Record<string, unknown>): Promise<TokenView[]> {
    const fields = new QueryFields(query);
    const revoked = fields.string('revoked', LIST_QUERY.revoked);
    fields.finish();
    return this.tokens.list({ includeRevoked: revoked === 'true' });
  }

  @Delete(':name')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revokes the active token of this name.', response: 'RevokedToken' })
  async revoke(@Param('name') name: string): Promise<RevokedToken> {
    const tokenId = await this.tokens.revoke(name);
    if (!tokenId) throw new ApiError(404, 'not_found', `no active token is named "${name}"`);
    this.verifier.forget(tokenId);
    return { name, revoked: true };
  }
}
