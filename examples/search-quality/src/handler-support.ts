/** Small helpers the handlers share: input parsing that fails loudly, and the JSON boundary. */
import { FatalError, type HandlerContext, type Json } from '@tributary/worker-sdk';

/** Our typed outputs are plain JSON; this is the one place we tell the compiler so. */
export function asJson(value: unknown): Json {
  return value as Json;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The stage's `with:` map, `{}` when the stage has none. */
export function inputOf(ctx: HandlerContext<unknown>): Record<string, unknown> {
  if (ctx.input === null || ctx.input === undefined) return {};
  if (!isRecord(ctx.input)) throw new FatalError(`input must be an object, got ${JSON.stringify(ctx.input)}`);
  return ctx.input;
}

/** A numeric option of the input, with its default and bounds; out of bounds is fatal (retrying cannot help). */
export function numberOption(
  input: Record<string, unknown>,
  name: string,
  fallback: number,
  bounds: { min: number; max: number; integer?: boolean },
): number {
  const value = input[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || (bounds.integer && !Number.isInteger(value)) || value < bounds.min || value > bounds.max) {
    throw new FatalError(
      `input.${name} must be ${bounds.integer ? 'an integer' : 'a number'} in [${bounds.min}, ${bounds.max}], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The market this attempt evaluates: the group key (`market=PT` → `PT`), else what the data says. */
export function marketOf(ctx: HandlerContext<unknown>, fromData?: unknown): string {
  const market = ctx.group?.key ?? fromData;
  if (typeof market !== 'string' || market === '') {
    throw new FatalError('no market: run this handler inside a `market` group (or pass data that names its market)');
  }
  return market;
}

/** Mapped upstreams arrive as lists that may hold nulls (failed or skipped map indexes): keep what looks right. */
export function listOf<T>(value: unknown, accept: (item: unknown) => item is T): T[] {
  return Array.isArray(value) ? value.filter(accept) : [];
}
