/** Default `limits.maxTaskInstances`: task instances a run may have in all, over every group and map. */
export const DEFAULT_MAX_TASK_INSTANCES = 100_000;

/**
 * The largest `limits.maxTaskInstances` a spec may ask for: the planner folds a run in memory (about a
 * kilobyte per instance), so a pipeline author must not be able to lift the cap without bound.
 */
export const MAX_TASK_INSTANCES_CEILING = 1_000_000;
