export type { Database } from './db/database.js';
export { createDb, type CreateDbOptions } from './db/create-db.js';
export { EventStoreError, isDatabaseError, isRetryableError } from './errors/event-store.error.js';

export { migrateToLatest, type MigrateResult } from './migrations/migrate-to-latest.js';
export { inCodeMigrationProvider, MIGRATIONS } from './migrations/migration-provider.js';
export {
  assertSchemaCurrent,
  latestMigration,
  SchemaNotCurrentError,
} from './migrations/assert-schema-current.js';
export {
  checkRoleName,
  defaultServiceRole,
  GRANTED_SERVICES,
  OWNER_ONLY_TABLES,
  parseServiceRole,
  SERVICE_GRANTS,
  serviceGrantStatements,
  TABLE_SEQUENCES,
  type GrantedService,
  type TablePrivilege,
} from './roles/service-grants.js';
export { applyServiceGrants } from './roles/apply-grants.js';

export type { NewEvent, StoredEvent } from './events/stored-event.js';
export {
  appendEvents,
  appendEventsInTransaction,
  type AppendEventsInput,
  type AppendResult,
  type NumberedEvent,
  type Projector,
} from './events/append-events.js';
export { compareRunIds, lockRunStreams, type RunStreamHead } from './events/lock-run-streams.js';
export { readRunEvents, type ReadRunEventsOptions } from './events/read-run-events.js';
export { readAllEvents, type ReadAllEventsOptions } from './events/read-all-events.js';
export {
  verifyChain,
  type ChainBreakReason,
  type ChainVerification,
  type VerifyChainOptions,
} from './events/verify-chain.js';
export { canonicalJson } from './events/canonical-json.js';
export { computeEventHash, GENESIS_HASH, type HashedEventFields } from './events/event-hash.js';
export { hashedPayload, secretEnvelopeDigest } from './events/hashed-payload.js';
export { toStoredEvent } from './events/event-row.mapper.js';

export type { ClaimedOutboxMessage, OutboxMessage } from './outbox/outbox-message.js';
export { enqueueOutbox, outboxWrites } from './outbox/enqueue-outbox.js';
export { claimOutbox } from './outbox/claim-outbox.js';
export { markPublished, markPublishedByMsgId } from './outbox/mark-published.js';
export { pruneOutbox } from './outbox/prune-outbox.js';

export type { EventLogRow, EventLogTable, NewEventLogRow } from './tables/event-log.table.js';
export type { RunStreamRow, RunStreamsTable } from './tables/run-streams.table.js';
export type { NewOutboxRow, OutboxRow, OutboxTable } from './tables/outbox.table.js';
export type { NewPipelineRow, PipelineRow, PipelinesTable } from './tables/pipelines.table.js';
export type { NewRunRow, RunRow, RunRowUpdate, RunsTable } from './tables/runs.table.js';
export type { RunCellRow, RunCellsTable } from './tables/run-cells.table.js';
export type { GroupRow, GroupRowUpdate, GroupsTable, NewGroupRow } from './tables/groups.table.js';
export type {
  NewTaskInstanceRow,
  TaskInstanceRow,
  TaskInstanceRowUpdate,
  TaskInstancesTable,
} from './tables/task-instances.table.js';
export type { NewTaskLogRow, TaskLogRow, TaskLogsTable } from './tables/task-logs.table.js';
export type {
  BigSerialColumn,
  DefaultedTimestampColumn,
  JsonColumn,
  NullableJsonColumn,
  NullableTimestampColumn,
  TimestampColumn,
} from './tables/column-types.js';

export {
  writeRunProjection,
  writeRunProjections,
  projectionDeletes,
  projectionWrites,
  type RunProjectionChange,
} from './projections/write-run-projection.js';
export { loadRunState } from './projections/load-run-state.js';
export { readRunPipeline, type RunPipeline } from './projections/run-pipeline.js';
export {
  savePipelineVersion,
  getPipeline,
  listPipelines,
  listPipelineVersions,
  latestPipelineVersions,
  type PipelineVersionSummary,
  type StoredPipeline,
} from './pipelines/pipeline-repository.js';
export type {
  FanInRunsTable,
  FanInGroupsTable,
  FanInBlocksTable,
  FanInRunRow,
  FanInGroupRow,
} from './tables/fan-in.table.js';
export type { ApiTokensTable, ApiTokenRow } from './tables/api-tokens.table.js';
export { ensureDatabase } from './db/ensure-database.js';
export { lockSharedPools, saveSharedPoolBuckets, type SharedPoolState } from './pools/shared-pools.js';
export type { PoolRow, PoolsTable } from './tables/pools.table.js';
export { lockRunSlots, type RunSlots, type WaitingRun } from './pools/run-slots.js';

export { foldRun } from './projections/fold-run.js';
export { rebuildRunProjection, type RebuiltRun } from './projections/rebuild-run-projection.js';

export {
  ChainChecker,
  type ChainBreak,
  type ChainCheckReason,
  type ChainedEvent,
} from './audit/chain-checker.js';
export { checkRunChain, type RunChainCheck } from './audit/run-chain-reader.js';
export {
  CHECKPOINT_FORMAT,
  GENESIS_CHECKPOINT_HASH,
  checkpointHash,
  checkpointSignedText,
  compareCodeUnits,
  runsRoot,
  type CheckpointDocument,
  type CheckpointHeader,
  type RunHead,
} from './audit/checkpoint-format.js';
export {
  checkpointSignatureValid,
  generateSigningKey,
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  signCheckpoint,
} from './audit/checkpoint-signing.js';
export { CheckpointRefusedError, createCheckpoint } from './audit/create-checkpoint.js';
export { openCheckpoint } from './audit/checkpoint-document.js';
export { readCheckpointDocument } from './audit/stored-checkpoints.js';
export {
  verifyAgainstCheckpoint,
  type CheckpointFinding,
  type CheckpointFindingKind,
  type CheckpointVerification,
} from './audit/verify-against-checkpoint.js';
export {
  EXPORT_FORMAT,
  toExportedEvent,
  type ExportedEvent,
  type ExportHeader,
} from './audit/exported-event.js';
export { verifyExport, type ExportVerification } from './audit/verify-export.js';
export type {
  AuditCheckpointHeadsTable,
  AuditCheckpointRow,
  AuditCheckpointsTable,
} from './tables/audit-checkpoints.table.js';
export { insertDeadLetter, type DeadLetterRow } from './dead-letters/insert-dead-letter.js';
export { readRunProjectionRows, type RunProjectionRows } from './projections/read-run-projection.js';
export { loggedRunIds, runHasEvents } from './events/logged-runs.js';
export { greatestIdempotencyKey, runningRunIds, runStreamLength } from './projections/run-lookups.js';
export {
  currentFanInRound,
  insertFanInRun,
  lockFanInRun,
  saveFanInRound,
  saveFanInRunCounters,
  type FanInRunCounters,
} from './fan-in/fan-in-runs.js';
export {
  readAllFanInGroups,
  readFanInGroups,
  upsertFanInGroups,
  type FanInGroupRecord,
} from './fan-in/fan-in-groups.js';
export { readFanInBlocks, upsertFanInBlocks, type FanInBlockRecord } from './fan-in/fan-in-blocks.js';
export { clearedConsolidationCandidates } from './fan-in/cleared-consolidations.js';
export { latestRecordedConsolidationRound } from './fan-in/recorded-consolidation-round.js';
export { pingDatabase } from './db/ping.js';
export { readEventPage, type EventPageFilter } from './events/event-page.js';
export { listRunRows, type RunListFilter, type RunListRow } from './runs/run-list.js';
export { readRunTrigger, runIsKnown, type RunTriggerRow } from './runs/run-rows.js';
export { readRunViewRows, type RunViewRows } from './runs/run-view-rows.js';
export { readRunGrid } from './runs/run-grid.js';
export {
  countRunsByState,
  countTaskInstancesByState,
  type InstanceCellCount,
  type StateCount,
} from './runs/state-counts.js';
export {
  deleteAcceptedTrigger,
  insertAcceptedTrigger,
  readAcceptedTriggerRequest,
  type AcceptedTriggerRow,
  type NewAcceptedTrigger,
} from './runs/accepted-triggers.js';
export {
  readTaskInstance,
  readTaskInstances,
  taskInstanceExists,
  type ListedTaskInstanceRow,
  type TaskInstanceQuery,
} from './runs/task-instance-reads.js';
export { readTaskLogs } from './runs/task-log-page.js';
export {
  activeTokenNameTaken,
  hasUsableAdminToken,
  listTokenSummaries,
  readActiveBootstrapCredential,
  readTokenCredential,
  type TokenCredentialRow,
  type TokenSummaryRow,
} from './tokens/token-lookups.js';
export { insertApiToken, markTokenUsed, revokeActiveTokenNamed, type NewApiToken } from './tokens/token-writes.js';
export {
  insertBootstrapToken,
  lockBootstrapRegistration,
  readActiveBootstrapSecret,
  revokeBootstrapTokens,
} from './tokens/bootstrap-token-slot.js';
export { insertTaskLogs, type NewTaskLogLine } from './task-logs/insert-task-logs.js';
export { insertRejectedRun, type RejectedRun } from './runs/rejected-run.js';
export { latestPipelineSchedules, type PipelineScheduleRow } from './pipelines/pipeline-schedules.js';
