import type { CompiledPlan, Rejection, RunCommand, RunEvent } from '@tributary/domain';
import type { NewTaskLogLine } from '@tributary/event-store';

/** A command for a run, with the time it happened (a result's finish time) when that differs from now. */
export interface TimedCommand {
  command: RunCommand;
  at?: number;
}

/** A `task_logs` row: a log line a handler wrote (worker-sdk TaskLogLine), stored with the result that carried it. */
export type TaskLogRow = NewTaskLogLine;

/** Work for one run in one transaction. `start` creates the run (its first command is StartRun). */
export interface RunWork {
  runId: string;
  commands: TimedCommand[];
  start?: { plan: CompiledPlan; traceparent: string | null };
  /** Who caused these events (operator or service), for the log's `actor` column. */
  actor?: string;
}

export interface RunWorkOutcome {
  runId: string;
  rejections: Rejection[];
  events: RunEvent[];
  /** Task instances the operator commands reset, marked or cancelled (Decision.affected). */
  affected: string[];
}

/** One RunWork per run: the commands of every work for the same run, in order. */
export function commandsByRun(works: readonly RunWork[]): Map<string, RunWork> {
  const byRun = new Map<string, RunWork>();
  for (const work of works) {
    const existing = byRun.get(work.runId);
    if (existing) existing.commands.push(...work.commands);
    else byRun.set(work.runId, { ...work, commands: [...work.commands] });
  }
  return byRun;
}
