import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { from, switchMap, type Observable } from 'rxjs';
import { receiveBody } from './body.js';
import type { ApiRequest, ApiResponse } from './http-types.js';

/** DI token of the body bounds (largest body, time to receive it). */
export const BODY_LIMITS = Symbol('tributary.body-limits');

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Reads the request body after the guards (interceptors run after them): a body is read only for a
 * caller who is authenticated and has the route's role, so a viewer cannot make the api hold an upload
 * on an admin route either.
 */
@Injectable()
export class BodyInterceptor implements NestInterceptor {
  constructor(@Inject(BODY_LIMITS) private readonly limits: BodyLimits) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const body = receiveBody(
      http.getRequest<ApiRequest>(),
      http.getResponse<ApiResponse>(),
      this.limits.maxBytes,
      this.limits.timeoutMs,
    );
    return from(body).pipe(switchMap(() => next.handle()));
  }
}
