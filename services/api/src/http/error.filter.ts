import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ApiError } from './api-error.js';
import type { ApiRequest, ApiResponse } from './http-types.js';
import { dropUnreadBody } from './unread-body.js';

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  503: 'unavailable',
};

/**
 * Answers every failure as `{ "error": { code, message, details? } }`: ApiErrors as they are, Nest's
 * own HTTP exceptions (unknown route…) with a code for their status, anything else as a logged 500.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('api');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<ApiResponse>();
    const req = http.getRequest<ApiRequest>();
    const error = this.toApiError(exception, req);
    if (res.headersSent) {
      // A stream that failed half-way: nothing sensible can be sent any more.
      res.end();
      return;
    }
    if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="tributary"');
    // A body nobody will read (refused by the guard, no such route) is dropped within bounds, not read to its end.
    dropUnreadBody(req);
    res.status(error.status).json(error.body());
  }

  private toApiError(exception: unknown, req: ApiRequest): ApiError {
    if (exception instanceof ApiError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const message =
        status === 404
          ? `no route ${req.method} ${(req.originalUrl ?? req.url ?? '').split('?')[0]}`
          : exception.message;
      if (status >= 500)
        this.logger.error(
          `${req.method} ${req.originalUrl ?? req.url}: ${exception.message}`,
          exception.stack,
        );
      return new ApiError(status, CODES[status] ?? (status >= 500 ? 'internal' : 'invalid_request'), message);
    }
    this.logger.error(
      `${req.method} ${req.originalUrl ?? req.url} failed: ${exception instanceof Error ? exception.message : String(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    return new ApiError(500, 'internal', 'the api failed to handle this request; see its log');
  }
}
