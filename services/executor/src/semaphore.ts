/** A {@link Semaphore} was closed while a caller waited: the work was not started. */
export class SemaphoreClosedError extends Error {
  override readonly name = 'SemaphoreClosedError';
}

interface Waiter {
  resolve(acquired: boolean): void;
  reject(error: Error): void;
}

/**
 * A FIFO counting semaphore: the host-wide limit of attempts running at once, shared by every
 * executor name of the host (first come, first served, so one busy name cannot starve another).
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`semaphore capacity must be a positive integer, got ${capacity}`);
    }
    this.available = capacity;
  }

  /** Slots in use. */
  get inUse(): number {
    return this.capacity - this.available;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves `true` once a slot is held (release it with {@link release}), `false` when `signal`
   * aborted first (no slot held). Rejects with {@link SemaphoreClosedError} after {@link close}.
   */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (this.closed) return Promise.reject(new SemaphoreClosedError('the host is shutting down'));
    if (signal?.aborted) return Promise.resolve(false);
    if (this.available > 0 && this.waiters.length === 0) {
      this.available--;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (acquired) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(acquired);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        waiter.resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Returns a slot: the longest waiter gets it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next.resolve(true);
    else this.available = Math.min(this.capacity, this.available + 1);
  }

  /** Refuses new and waiting callers (SemaphoreClosedError); holders keep their slots until they release. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new SemaphoreClosedError('the host is shutting down'));
    }
  }
}
