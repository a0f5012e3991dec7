export { ApiError, apiErrorOf } from './api-error.js';
export type { ErrorBody, Issue } from './error-body.js';
export type {
  CancelledAnswer,
  CancelRequest,
  ClearedAnswer,
  ClearRequest,
  GroupRetriedAnswer,
  GroupRetryRequest,
  MarkedAnswer,
  MarkRequest,
} from './operator-action.js';
export type { ExecutorHost, ExecutorsView, ExecutorSummary, HealthBody } from './ops.js';
export type {
  AppliedPipeline,
  PipelineSummary,
  PipelineVersionSummary,
  PipelineView,
  TriggerAccepted,
  TriggerRequest,
} from './pipeline.js';
export type { RunEvent, TaskLogEntry } from './run-event.js';
export type { RunSummary } from './run-summary.js';
export type { GridCell, RunOutcome, RunViewBody, StateCounts } from './run-view.js';
export { CONTRACT_SCHEMAS, type ContractSchemaName } from './schemas.gen.js';
export type { SessionBody } from './session.js';
export type { TaskInstancePage, TaskInstanceView } from './task-instance.js';
export type { CreatedToken, CreateTokenRequest, RevokedToken, TokenView } from './token.js';
