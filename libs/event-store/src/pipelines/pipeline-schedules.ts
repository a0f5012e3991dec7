import { sql, type Kysely } from 'kysely';
import type { ScheduleSpec } from '@tributary/domain';
import type { Database } from '../db/database.js';

/** The latest version of a pipeline with its `schedule:` (null when it has none). */
export interface PipelineScheduleRow {
  pipeline_id: string;
  version: number;
  schedule: ScheduleSpec | null;
  created_at: Date;
}

/** The latest version of every pipeline, with its schedule, in pipeline id order. */
export async function latestPipelineSchedules(db: Kysely<Database>): Promise<PipelineScheduleRow[]> {
  const rows = await sql<PipelineScheduleRow>`
      select distinct on (pipeline_id) pipeline_id, version, spec->'schedule' as schedule, created_at
      from pipelines order by pipeline_id, version desc`.execute(db);
  return rows.rows;
}
