import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001-initial.migration.js';
import * as fanIn from './002-fan-in.migration.js';
import * as apiTokens from './003-api-tokens.migration.js';
import * as sharedLimits from './004-shared-limits.migration.js';
import * as outboxUncompressed from './005-outbox-uncompressed.migration.js';
import * as deadLetters from './006-dead-letters.migration.js';
import * as runOutcome from './009-run-outcome.migration.js';
import * as fanInBudget from './011-fan-in-budget.migration.js';
import * as tokenLifecycle from './012-token-lifecycle.migration.js';
import * as appendOnlyEventLog from './013-append-only-event-log.migration.js';
import * as auditCheckpoints from './015-audit-checkpoints.migration.js';
import * as runCells from './016-run-cells.migration.js';

/**
 * Every migration, in order. Listed in code rather than read from a folder so
 * that bundles and `dist/` builds carry them without file-system lookups.
 * Names sort lexically: keep the three-digit prefix.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '001-initial': initial,
  '002-fan-in': fanIn,
  '003-api-tokens': apiTokens,
  '004-shared-limits': sharedLimits,
  '005-outbox-uncompressed': outboxUncompressed,
  '006-dead-letters': deadLetters,
  '009-run-outcome': runOutcome,
  '011-fan-in-budget': fanInBudget,
  '012-token-lifecycle': tokenLifecycle,
  '013-append-only-event-log': appendOnlyEventLog,
  '015-audit-checkpoints': auditCheckpoints,
  '016-run-cells': runCells,
});

/** A kysely `MigrationProvider` over {@link MIGRATIONS}. */
export const inCodeMigrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
