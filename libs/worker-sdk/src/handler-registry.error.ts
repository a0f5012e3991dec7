/**
 * A handler cannot be registered or loaded: duplicate or invalid name, a module
 * that fails to import or exports no handlers. Raised while an executor host
 * starts; the same configuration fails the same way every time.
 */
export class HandlerRegistryError extends Error {
  override readonly name = 'HandlerRegistryError';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
