import type { Issue } from './error-body.js';

/** One entry of `GET /pipelines`: a pipeline and its latest version. */
export interface PipelineSummary {
  id: string;
  version: number;
  createdAt: string;
}

/** One entry of `GET /pipelines/:id/versions`, newest first. */
export interface PipelineVersionSummary {
  version: number;
  /** Hash of the spec: equal hashes, equal specs. */
  contentHash: string;
  createdAt: string;
  createdBy: string | null;
}

/** `GET /pipelines/:id[?version=N]`: one version with its parsed spec and the text it was applied as. */
export interface PipelineView {
  id: string;
  version: number;
  /** The validated spec (the shape of `pipeline.schema.json`). */
  spec: unknown;
  source: string;
  createdAt: string;
  createdBy: string | null;
}

/** `POST /pipelines`: the version stored (201) or the equal latest one (200, `created: false`). */
export interface AppliedPipeline {
  id: string;
  version: number;
  created: boolean;
  /** Each executor of the spec no live host serves (stored anyway: hosts may start later). */
  warnings: Issue[];
}

/** `POST /pipelines/:id/runs` body; every field optional. */
export interface TriggerRequest {
  /** The run's params, checked against the pipeline's `params:` schema. */
  params?: unknown;
  /** A retried trigger with the same key answers the same run. */
  idempotencyKey?: string;
  /** A version other than the latest. */
  version?: number;
}

/** `POST /pipelines/:id/runs` → 202: the run's id (also in `Location`). */
export interface TriggerAccepted {
  runId: string;
}
