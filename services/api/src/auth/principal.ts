import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { ApiRequest } from '../http/http-types.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each role may do what the roles before it may. */
export const roleRank = (role: Role): number => ROLES.indexOf(role);

/** The caller behind a bearer token; its name is the actor of what it does. */
export interface Principal {
  name: string;
  role: Role;
  /** The token's public id (rate limits are per token); absent when auth is off (--insecure-no-auth). */
  tokenId?: string;
}

export const MIN_ROLE = 'tributary:min-role';

/** The least role a route needs (`public` for none). Routes without it need `admin`. */
export const MinRole = (role: Role | 'public') => SetMetadata(MIN_ROLE, role);

/** The authenticated caller of the request (set by the auth guard). */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<ApiRequest>().principal;
  if (!principal) throw new Error('route has no authenticated caller; is it marked public?');
  return principal;
});
