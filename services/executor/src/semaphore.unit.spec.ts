import { describe, expect, it } from 'vitest';
import { Semaphore, SemaphoreClosedError } from './semaphore.js';

describe('Semaphore', () => {
  it('admits up to its capacity and hands released slots to waiters in arrival order', async () => {
    const s = new Semaphore(2);
    expect(await s.acquire()).toBe(true);
    expect(await s.acquire()).toBe(true);
    const order: number[] = [];
    const third = s.acquire().then(() => order.push(3));
    const fourth = s.acquire().then(() => order.push(4));
    expect(s.waiting).toBe(2);
    s.release();
    await third;
    s.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(s.inUse).toBe(2);
  });

  it('gives up waiting when the signal aborts, holding no slot', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(s.waiting).toBe(0);
    s.release();
    expect(s.inUse).toBe(0);
    expect(await s.acquire(AbortSignal.abort())).toBe(false);
  });

  it('refuses waiting and new callers once closed; holders keep their slots', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const waiting = s.acquire();
    s.close();
    await expect(waiting).rejects.toBeInstanceOf(SemaphoreClosedError);
    await expect(s.acquire()).rejects.toBeInstanceOf(SemaphoreClosedError);
    expect(s.inUse).toBe(1);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
