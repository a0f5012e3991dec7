import type { RunEvent } from './run-events.js';

/** Records an event of the decision and advances the state by it (decide's one way to change state). */
export type Emit = (event: RunEvent) => void;
