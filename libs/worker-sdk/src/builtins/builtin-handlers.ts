import type { HandlerDefinition } from '../handler.js';
import { echoHandler } from './echo.handler.js';
import { failHandler } from './fail.handler.js';
import { flakyHandler } from './flaky.handler.js';
import { httpHandler } from './http.handler.js';
import { listHandler } from './list.handler.js';
import { noopHandler } from './noop.handler.js';
import { skipHandler } from './skip.handler.js';
import { sleepHandler } from './sleep.handler.js';

/** Every built-in handler (DESIGN §7), so pipelines, demos, tests and benchmarks need no code. */
export const builtinHandlers: HandlerDefinition[] = [
  noopHandler,
  echoHandler,
  sleepHandler,
  failHandler,
  flakyHandler,
  skipHandler,
  listHandler,
  httpHandler,
];
