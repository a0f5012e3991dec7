/** A hand-built HandlerContext for calling `handler.run(ctx)` outside an executor host (tests, local runs). */
import type { HandlerContext, HandlerGroup, Json } from '@tributary/worker-sdk';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, Json>;
}

export type TestContext = HandlerContext<Json> & { logs: LogLine[] };

export interface CtxOptions extends Partial<Omit<HandlerContext<Json>, 'log'>> {
  /** Shorthand for `group: { key: market, value: market, path: "market=<market>" }`. */
  market?: string;
}

export function marketGroup(market: string): HandlerGroup {
  return { key: market, value: market, path: `market=${market}`, parent: null };
}

export function makeCtx(options: CtxOptions = {}): TestContext {
  const { market, ...overrides } = options;
  const logs: LogLine[] = [];
  const logAt =
    (level: LogLine['level']) =>
    (message: string, fields?: Record<string, Json>): void => {
      logs.push(fields === undefined ? { level, message } : { level, message, fields });
    };
  const taskId = overrides.taskId ?? 'test-task';
  const attempt = overrides.attempt ?? 1;
  return {
    input: {},
    params: {},
    group: market === undefined ? null : marketGroup(market),
    upstream: {},
    upstreamIndices: {},
    item: null,
    mapIndex: null,
    runId: 'run-local',
    signal: new AbortController().signal,
    ...overrides,
    attempt,
    taskId,
    attemptId: overrides.attemptId ?? `${overrides.runId ?? 'run-local'}/${taskId}#${attempt}`,
    log: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    logs,
  };
}
