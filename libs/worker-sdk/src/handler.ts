/** A JSON value, as handlers receive and return it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The group an attempt runs in (`market=LU`), with its enclosing group. */
export interface HandlerGroup {
  key: string;
  value: Json;
  path: string;
  parent: HandlerGroup | null;
}

/** Per-attempt log lines, captured into `task_logs` and shown by `tributary logs`. */
export interface TaskLogger {
  debug(message: string, fields?: Record<string, Json>): void;
  info(message: string, fields?: Record<string, Json>): void;
  warn(message: string, fields?: Record<string, Json>): void;
  error(message: string, fields?: Record<string, Json>): void;
}

/** Map indices of a mapped upstream stage by outcome, each ascending (cancelled counts as failed). */
export interface UpstreamIndices {
  succeeded: number[];
  failed: number[];
  skipped: number[];
  upstreamFailed: number[];
}

/**
 * What a handler sees (DESIGN §7). Execution is at-least-once: after a host
 * crash the same attempt may run again, so handlers with side effects should
 * be idempotent (key them on `attemptId` or `taskId`).
 */
export interface HandlerContext<Input = Json> {
  /** The stage's `with:` map, `${{ }}` expressions evaluated. */
  input: Input;
  /** The run's params, read-only (frozen: the attempts of a run share one parsed copy). */
  params: Json;
  group: HandlerGroup | null;
  /**
   * Outputs of the direct upstream stages, by stage id (a mapped upstream gives the list of outputs).
   * Read-only (frozen: the attempts of one stage in one group share one parsed copy).
   */
  upstream: Record<string, Json>;
  /**
   * Per MAPPED upstream stage id, where each map index ended: `upstream.<id>` lists only the outputs of
   * `succeeded`, in that order, so `ctx.upstreamIndices.retrieve.failed` says which positions are
   * missing (e.g. `[7]`). Read-only. CEL sees the same as `upstreamIndices.<id>`.
   */
  upstreamIndices: Record<string, UpstreamIndices>;
  /** The element of a mapped task; null when unmapped. */
  item: Json;
  mapIndex: number | null;
  attempt: number;
  runId: string;
  taskId: string;
  attemptId: string;
  /** Aborts on timeout or cancel: pass it to fetch, timers and child work. */
  signal: AbortSignal;
  log: TaskLogger;
}

/** A stage handler: what `defineHandler` takes and executor hosts register. */
export interface HandlerDefinition<Input = Json> {
  /** The executor name stages refer to (`executor: search`). */
  name: string;
  description?: string;
  run(ctx: HandlerContext<Input>): Promise<Json | undefined | void> | Json | undefined | void;
}

/** Handler names become NATS subject tokens (`tributary.task.<name>`), hence the narrow alphabet. */
export const HANDLER_NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** Declares a stage handler; the executor host registers it under `name`. */
export function defineHandler<Input = Json>(definition: HandlerDefinition<Input>): HandlerDefinition<Input> {
  assertHandlerName(definition.name);
  return definition;
}

/** Throws a TypeError unless `name` is a valid handler name (see HANDLER_NAME_PATTERN). */
export function assertHandlerName(name: string): void {
  if (!HANDLER_NAME_PATTERN.test(name)) {
    throw new TypeError(
      `handler name "${name}" must match ^[a-z][a-z0-9_-]*$ (it becomes a NATS subject token)`,
    );
  }
}

/**
 * True for anything shaped like a HandlerDefinition (an object with a string `name`
 * and a function `run`). Duck-typed on purpose: user modules may bundle their own
 * copy of this package, so identity checks would miss their handlers.
 */
export function isHandlerDefinition(value: unknown): value is HandlerDefinition<any> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; run?: unknown };
  return typeof candidate.name === 'string' && typeof candidate.run === 'function';
}
