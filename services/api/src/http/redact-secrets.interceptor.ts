import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { hashedPayload } from '@tributary/event-store';
import { map, type Observable } from 'rxjs';

/**
 * Every JSON body a route returns leaves with its secret envelopes redacted to `{"$secret":
 * "sha256:…"}` (`hashedPayload`): run views, lists, events, task instances, whatever a route adds later.
 * Clear secrets never reach the api's stores (it encrypts them before storing); this keeps even their
 * ciphertext inside. Routes that write the response themselves (SSE) redact on their own.
 */
@Injectable()
export class RedactSecretsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((body: unknown) => hashedPayload(body)));
  }
}
