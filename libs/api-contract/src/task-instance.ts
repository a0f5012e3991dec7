/** One task instance as the api shows it; `output` only when asked for (`outputs=true`, or one instance). */
export interface TaskInstanceView {
  taskId: string;
  stage: string;
  group: string | null;
  mapIndex: number | null;
  /** The stage's `label:` for this map index; null without one. */
  label: string | null;
  state: string;
  attempt: number;
  output?: unknown;
  error: { message?: string; type?: string; retryable?: boolean } | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** `GET /runs/:id/tasks`: one page of a run's instances in task id order. */
export interface TaskInstancePage {
  tasks: TaskInstanceView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}
