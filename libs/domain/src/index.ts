// libs/domain: pure — spec, validation, expansion, trigger rules, the run decider, scheduling maths.

// rules
export * from './rules/task-state.js';
export * from './rules/trigger-rule.js';
export type { UpstreamCounts } from './rules/upstream-counts.js';
export { emptyCounts, addFinished, doneCount, assertConsistentCounts } from './rules/upstream-counts.js';
export { evaluateTriggerRule, type RuleVerdict } from './rules/evaluate-trigger-rule.js';
export { evaluateFailureBudget, overBudget, TOLERATE_RULES, type FailureTolerance, type BudgetedVerdict } from './rules/failure-budget.js';
export { explainConsolidationVerdict } from './run/consolidation-verdict.js';
export { consolidationRoundRefusal } from './run/consolidation-readiness.js';

// schedule
export { chooseDispatch, type DispatchChoice, type BlockedTask, type BlockReason } from './schedule/choose-dispatch.js';
export { compareReadyTasks, inDispatchOrder, type ReadyTask } from './schedule/ready-task.js';
export { stageKey, emptyActiveCounts, type ActiveCounts, type SchedulingLimits, type PoolLimit } from './schedule/scheduling-limits.js';
export { emptyTokenBuckets, refillBucket, bucketCapacity, hasToken, nextTokenAtMs, type TokenBucket, type TokenBuckets } from './schedule/token-buckets.js';
export { retryDelayMs, type RetryDelayInput } from './schedule/retry-delay.js';

// spec
export * from './spec/pipeline-spec.js';
export * from './spec/compiled-plan.js';

// run
export * from './run/task-id.js';
export * from './run/task-selectors.js';
export { planClear, type ClearPlan } from './run/clear-plan.js';
export * from './run/run-events.js';
export * from './run/run-commands.js';
export { initialRunState, type RunState, type TaskRecord, type SlotRecord, type GroupRecord, type RunRecord } from './run/run-state.js';
export { evolve } from './run/run-evolve.js';
export { decide, nextWakeAt, overdueQueued, consolidationVerdict, type Decision } from './run/run-decide.js';
export { renderAttempt, type AttemptPayload } from './run/attempt-payload.js';
export { runViewOf, type RunView } from './run/run-view.js';
export { consolidationUpstream, groupBindingOf, outputOf } from './run/expression-scope.js';

// spec parsing and compiling
export { parsePipelineSpec, type ParsePipelineSpecResult } from './spec/parse-pipeline-spec.js';
export { compilePlan, PlanCompileError } from './spec/compile-plan.js';
export { parseDuration, type DurationResult } from './spec/duration.js';
export * from './spec/cron-schedule.js';
export { compileExpression, type CompileExpressionResult } from './spec/cel-expression.js';
export { affectedBy, type AffectedRecords } from './run/affected-records.js';
export { compileInputTemplate, type CompileInputTemplateResult } from './spec/input-template.js';
export { type CelPosition } from './spec/cel-expression.js';
export { DURATION_PATTERN } from './spec/duration.js';
export { pipelineSpecSchema, pipelineJsonSchema, CONSOLIDATE_ID, SLUG_PATTERN, STAGE_ID_PATTERN, EXECUTOR_PATTERN, type RawPipelineSpec } from './spec/pipeline-spec.schema.js';
export { BUILT_IN_TASK_SETTINGS, DEFAULT_MAX_MAP_LENGTH } from './spec/resolve-pipeline-spec.js';
export { DEFAULT_MAX_TASK_INSTANCES, MAX_TASK_INSTANCES_CEILING } from './spec/task-instance-limits.js';
export { pipelineSchemaFileText } from './spec/pipeline-schema-file.js';
export { unservedExecutors, type ServedExecutors, type SpecWarning } from './spec/unserved-executors.js';
export { compileScopedExpression, type CompiledScopedExpression, type CompileScopedExpressionResult } from './spec/cel-expression.js';
export { checkUpstreamTriggers, compileUpstreamTriggers, evaluateUpstreamMessage, resolveUpstreamTriggers, MAX_UPSTREAM_KEY_LENGTH, type UpstreamTriggerSpec, type CompiledUpstreamTrigger, type UpstreamMessage, type UpstreamDecision } from './spec/upstream-trigger.js';
export { upstreamTriggerSchema, UPSTREAM_CEL_VARIABLES, UPSTREAM_SUBJECT_PATTERN, STREAM_NAME_PATTERN, type RawUpstreamTrigger } from './spec/upstream-trigger.schema.js';

// json safety at the edges
export { MAX_JSON_DEPTH, PROTOTYPE_KEYS, textProblem, sanitizeText, jsonProblem, describeJsonProblem, type JsonProblem } from './json/json-safety.js';

// secrets: marking params secret and the markers that stand for them
export { SECRET_KEY, isSecretMarker, isSecretEnvelopeMarker, mapSecretMarkers, findSecretMarker, redactSecretsForExpressions, type RedactedSecret } from './secrets/secret-marker.js';
export { secretParamPaths, presentSecretPaths, unsealedSecretPaths, valueAtPath, secretPointer, isSecretSchema, checkSecretParams, type SecretParamPath } from './spec/secret-params.js';
export { CRON_ACTOR, UPSTREAM_ACTOR_PREFIX, commandActorProblem, isSystemActor, upstreamActor } from './run/system-actors.js';
