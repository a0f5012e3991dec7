// @tributary/cli — the `tributary` command (bin: dist/main.js) and its testable parts.
export { buildProgram, runCli, CLI_VERSION } from './program.js';
export { processContext, type CliContext, type CliIo } from './context.js';
export {
  ApiError,
  CliError,
  UsageError,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  formatApiError,
  formatError,
  formatSpecProblem,
  type ApiErrorDetail,
} from './errors.js';
export { ApiClient, apiErrorOf } from './api/api-client.js';
export { resolveApiTarget, type ApiTarget } from './api/api-target.js';
export { readDevState, writeDevState, devStatePath, type DevState } from './api/dev-state.js';
export type { RunView, RunViewTask } from './api/types.js';
export {
  runProgress,
  progressLine,
  progressLines,
  changedProgressLines,
  failureLines,
  type ProgressEntry,
} from './progress/run-progress.js';
export {
  planDevInfrastructure,
  type InfrastructurePlan,
  type InfrastructureProbe,
} from './dev/infrastructure-plan.js';
export { SERVICE_MODULES, SERVICE_NAMES, type ServiceName } from './dev/services.js';
