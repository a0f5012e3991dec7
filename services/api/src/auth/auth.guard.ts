import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../http/api-error.js';
import type { ApiRequest } from '../http/http-types.js';
import { MIN_ROLE, roleRank, type Role } from './principal.js';

/**
 * Roles on every route: 401 when the `authenticate` middleware found no valid token (missing,
 * malformed, unknown, expired or revoked), 403 when the token's role is below the route's `@MinRole`
 * (routes without one need admin).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const needed =
      this.reflector.getAllAndOverride<Role | 'public' | undefined>(MIN_ROLE, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'admin';
    if (needed === 'public') return true;
    const req = context.switchToHttp().getRequest<ApiRequest>();
    const principal = req.principal;
    if (!principal) throw new ApiError(401, 'unauthorized', req.authProblem ?? 'not authenticated');
    if (roleRank(principal.role) < roleRank(needed)) {
      throw new ApiError(
        403,
        'forbidden',
        `${req.method} ${req.route?.path ?? req.url} needs the ${needed} role; token "${principal.name}" is ${principal.role}`,
      );
    }
    return true;
  }
}
