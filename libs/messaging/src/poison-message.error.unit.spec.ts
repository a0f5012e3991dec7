import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { asPoisonMessageError, PoisonMessageError } from './poison-message.error.js';

describe('PoisonMessageError', () => {
  it('says it is not retryable and why the message is refused', () => {
    const cause = new SyntaxError('bad varint');
    const error = new PoisonMessageError('undecodable DispatchBatch', { cause });
    expect(error).toMatchObject({ name: 'PoisonMessageError', retryable: false, reason: 'undecodable DispatchBatch', cause });
    expect(error.message).toBe('undecodable DispatchBatch');
  });

  it('survives Nest’s exception filter, which forwards a plain object in its place', async () => {
    const error = new PoisonMessageError('bad payload');
    const forwarded = await lastValueFrom(new BaseRpcExceptionFilter().catch(error, {} as never)).catch(
      (e: unknown) => e,
    );

    expect(forwarded).not.toBe(error);
    expect(asPoisonMessageError(forwarded)).toBe(error);
    expect(asPoisonMessageError({ status: 'error', message: 'Internal server error' })).toBeUndefined();
    expect(asPoisonMessageError(new Error('x'))).toBeUndefined();
  });
});
