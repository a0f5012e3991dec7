export type { ErrorBody, Issue } from './error-body.js';
export type { GridCell, RunOutcome, RunViewBody, StateCounts } from './run-view.js';
export type { TaskInstancePage, TaskInstanceView } from './task-instance.js';
