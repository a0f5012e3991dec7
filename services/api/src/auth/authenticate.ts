import { ApiError } from '../http/api-error.js';
import type { ApiRequest, ApiResponse } from '../http/http-types.js';
import { dropUnreadBody, hasBody } from '../http/unread-body.js';
import type { RateLimiter } from '../http/rate-limit.js';
import type { Principal } from './principal.js';
import type { TokenVerifier } from './token-verifier.js';

/** The principal of every request when auth is off (`--insecure-no-auth`). */
export const INSECURE_PRINCIPAL: Principal = { name: 'insecure-no-auth', role: 'admin' };

/**
 * Answers an error from middleware (before Nest routes a request), in the api's error shape; a body the
 * client is still sending is not read (see dropUnreadBody).
 */
export function answerEarly(
  req: ApiRequest,
  res: ApiResponse,
  error: ApiError,
  headers: Record<string, string> = {},
): void {
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="tributary"');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  dropUnreadBody(req);
  res.status(error.status).json(error.body());
}

/**
 * Express middleware, first of all: resolves the bearer token to `req.principal` (or records in
 * `req.authProblem` why not) and applies the per-token rate limit (429 with Retry-After). A request
 * that carries a body without a valid token is answered 401 here, before a byte of the body is read.
 * Requests without a body go on to the guard, which knows the public routes and the roles.
 */
export function authenticate(verifier: TokenVerifier, limiter: RateLimiter, insecureNoAuth: boolean) {
  return (req: ApiRequest, res: ApiResponse, next: (error?: unknown) => void): void => {
    if (insecureNoAuth) {
      req.principal = INSECURE_PRINCIPAL;
      return next();
    }
    void resolve(req, verifier).then(
      (problem) => {
        if (problem !== null) {
          req.authProblem = problem;
          if (hasBody(req)) return answerEarly(req, res, new ApiError(401, 'unauthorized', problem));
          return next();
        }
        const wait = limiter.take(req.principal!.tokenId ?? req.principal!.name);
        if (wait > 0) {
          return answerEarly(
            req,
            res,
            new ApiError(
              429,
              'rate_limited',
              `token "${req.principal!.name}" sent too many requests; retry in ${wait}s`,
            ),
            { 'Retry-After': String(wait) },
          );
        }
        next();
      },
      (error: unknown) => {
        if (error instanceof ApiError) return answerEarly(req, res, error, { 'Retry-After': '1' });
        next(error);
      },
    );
  };
}

/** Sets `req.principal`; returns why the request is not authenticated, or null when it is. */
async function resolve(req: ApiRequest, verifier: TokenVerifier): Promise<string | null> {
  const header = req.headers.authorization;
  if (!header) return 'missing Authorization header; send "Authorization: Bearer <token>"';
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) return 'Authorization header must be "Bearer <token>"';
  const principal = await verifier.principalOf(match[1]!);
  if (!principal) return 'unknown, expired or revoked token';
  req.principal = principal;
  return null;
}
