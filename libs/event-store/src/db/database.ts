import type { EventLogTable } from '../tables/event-log.table.js';
import type { GroupsTable } from '../tables/groups.table.js';
import type { OutboxTable } from '../tables/outbox.table.js';
import type { PipelinesTable } from '../tables/pipelines.table.js';
import type { RunStreamsTable } from '../tables/run-streams.table.js';
import type { RunCellsTable } from '../tables/run-cells.table.js';
import type { RunsTable } from '../tables/runs.table.js';
import type { TaskInstancesTable } from '../tables/task-instances.table.js';
import type { TaskLogsTable } from '../tables/task-logs.table.js';
import type { FanInBlocksTable, FanInGroupsTable, FanInRunsTable } from '../tables/fan-in.table.js';
import type { PoolsTable } from '../tables/pools.table.js';
import type { ApiTokensTable } from '../tables/api-tokens.table.js';
import type { DeadLettersTable } from '../tables/dead-letters.table.js';
import type { AcceptedTriggersTable } from '../tables/accepted-triggers.table.js';
import type { AuditCheckpointHeadsTable, AuditCheckpointsTable } from '../tables/audit-checkpoints.table.js';

/** The kysely schema of Tributary's Postgres database (see `001-initial.migration.ts`). */
export interface Database {
  event_log: EventLogTable;
  run_streams: RunStreamsTable;
  outbox: OutboxTable;
  pipelines: PipelinesTable;
  runs: RunsTable;
  groups: GroupsTable;
  task_instances: TaskInstancesTable;
  run_cells: RunCellsTable;
  task_logs: TaskLogsTable;
  fan_in_runs: FanInRunsTable;
  fan_in_groups: FanInGroupsTable;
  fan_in_blocks: FanInBlocksTable;
  api_tokens: ApiTokensTable;
  pools: PoolsTable;
  dead_letters: DeadLettersTable;
  accepted_triggers: AcceptedTriggersTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_checkpoint_heads: AuditCheckpointHeadsTable;
}
