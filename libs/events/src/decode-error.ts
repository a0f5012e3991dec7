/** Typed failure of the decoders, so consumers can terminate undecodable messages. */

/** Why bytes could not be decoded; `cause` holds the underlying error. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  /**
   * @param messageType what was expected, e.g. "tributary.v1.DispatchBatch" or "json"
   * @param byteLength size of the refused input
   * @param cause the error raised by the parser
   */
  constructor(
    readonly messageType: string,
    readonly byteLength: number,
    cause: unknown,
  ) {
    super(`Cannot decode ${messageType} from ${byteLength} bytes: ${reasonOf(cause)}`, { cause });
  }
}

/** Outcome of a decode: the value, or a {@link DecodeError}. Never throws. */
export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

function reasonOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
