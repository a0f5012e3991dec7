import { BufferedTaskLogger } from '../buffered-task-logger.js';
import type { HandlerContext, Json } from '../handler.js';
import type { AttemptRequest } from '../attempt-runner.js';

/** A handler context for calling `handler.run` directly; override any field. */
export function handlerContext(overrides: Partial<HandlerContext<Json>> = {}): HandlerContext<Json> {
  return {
    input: null,
    params: null,
    group: null,
    upstream: {},
    upstreamIndices: {},
    item: null,
    mapIndex: null,
    attempt: 1,
    runId: 'run-1',
    taskId: 'market=LU/step',
    attemptId: 'run-1/market=LU/step#1',
    signal: new AbortController().signal,
    log: new BufferedTaskLogger(),
    ...overrides,
  };
}

/** An attempt request for runAttempt; override any field. */
export function attemptRequest(overrides: Partial<AttemptRequest> = {}): AttemptRequest {
  const attempt = overrides.attempt ?? 1;
  return {
    runId: 'run-1',
    taskId: 'market=LU/step',
    attemptId: `run-1/market=LU/step#${attempt}`,
    attempt,
    input: null,
    params: { markets: ['LU'] },
    group: { key: 'market', value: 'LU', path: 'market=LU', parent: null },
    upstream: {},
    item: null,
    mapIndex: null,
    timeoutMs: 0,
    ...overrides,
  };
}
