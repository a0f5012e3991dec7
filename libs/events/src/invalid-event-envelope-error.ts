/** Typed failure of mapping a `tributary.v1.EventEnvelope` to a domain `RunEvent`. */

/**
 * The envelope is valid protobuf but does not hold a valid domain event: a
 * missing body, timestamp or JSON value, an enum value the domain does not
 * allow, or a header that disagrees with its body. `field` names the offending
 * field as a dotted path of protobuf-es names, e.g. `body.taskInstanceFailed.error`.
 */
export class InvalidEventEnvelopeError extends Error {
  override readonly name = 'InvalidEventEnvelopeError';

  /**
   * @param field dotted path of the offending field
   * @param reason what is wrong with it, e.g. "is missing"
   * @param cause the underlying error, if any
   */
  constructor(
    readonly field: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`Invalid tributary.v1.EventEnvelope: ${field} ${reason}`, cause === undefined ? undefined : { cause });
  }
}
