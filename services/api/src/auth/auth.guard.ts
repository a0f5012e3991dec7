import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../http/api-error.js';
import type { ApiRequest } from '../http/http-types.js';
import { MIN_ROLE, roleRank, type Role } from './principal.js';
import { TokenStore } from './token-store.js';

/**
 * Bearer-token auth on every route: 401 without a token or with an unknown/revoked one, 403 when
 * the token's role is below the route's `@MinRole` (routes without one need admin).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenStore) private readonly tokens: TokenStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const needed =
      this.reflector.getAllAndOverride<Role | 'public' | undefined>(MIN_ROLE, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'admin';
    if (needed === 'public') return true;
    const req = context.switchToHttp().getRequest<ApiRequest>();
    const header = req.headers.authorization;
    if (!header) {
      throw new ApiError(
        401,
        'unauthorized',
        'missing Authorization header; send "Authorization: Bearer <token>"',
      );
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match) throw new ApiError(401, 'unauthorized', 'Authorization header must be "Bearer <token>"');
    const principal = await this.tokens.principalOf(match[1]!);
    if (!principal) throw new ApiError(401, 'unauthorized', 'unknown or revoked token');
    if (roleRank(principal.role) < roleRank(needed)) {
      throw new ApiError(
        403,
        'forbidden',
        `${req.method} ${req.route?.path ?? req.url} needs the ${needed} role; token "${principal.name}" is ${principal.role}`,
      );
    }
    req.principal = principal;
    return true;
  }
}
