import type { Insertable, Selectable } from 'kysely';
import type { DefaultedTimestampColumn, JsonColumn } from './column-types.js';

/** `pipelines`: every version of every spec is kept; a run pins one version. */
export interface PipelinesTable {
  pipeline_id: string;
  version: number;
  spec: JsonColumn;
  source: string;
  content_hash: string;
  created_at: DefaultedTimestampColumn;
  created_by: string | null;
}

export type PipelineRow = Selectable<PipelinesTable>;
export type NewPipelineRow = Insertable<PipelinesTable>;
