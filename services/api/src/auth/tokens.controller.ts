import { Controller, Inject, Post, Req } from '@nestjs/common';
import { ApiError } from '../http/api-error.js';
import { jsonBody } from '../http/body.js';
import { BodyFields } from '../http/fields.js';
import type { ApiRequest } from '../http/http-types.js';
import { MinRole, ROLES, type Role } from './principal.js';
import { TokenStore } from './token-store.js';

/** `POST /tokens {name, role}` (admin) → 201 `{token, name, role}`; the token is shown only here. */
@Controller('tokens')
@MinRole('admin')
export class TokensController {
  constructor(@Inject(TokenStore) private readonly tokens: TokenStore) {}

  @Post()
  async create(@Req() req: ApiRequest) {
    const body = new BodyFields(jsonBody(req));
    const name = body.string('name', {
      required: true,
      maxLength: 100,
      pattern: /^[A-Za-z0-9][A-Za-z0-9._@:+-]*$/,
      patternHint: 'letters, digits and . _ @ : + - (starting with a letter or digit)',
    });
    const role = body.string('role', { required: true, oneOf: ROLES }) as Role;
    body.finish();
    if (await this.tokens.nameInUse(name)) {
      throw new ApiError(
        409,
        'name_in_use',
        `an active token is already named "${name}"; token names are actors in the audit log`,
      );
    }
    const token = await this.tokens.create(name, role);
    return { token, name, role };
  }
}
