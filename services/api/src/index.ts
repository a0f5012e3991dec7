export { startApi, API_PREFIX, type RunningApi, type StartApiOptions } from './api.js';
export { ApiModule } from './api.module.js';
export { MIN_BOOTSTRAP_TOKEN_LENGTH } from './auth/bootstrap-token.js';
export { loadEdgeConfig, type ApiEdgeConfig } from './http/edge-config.js';
export type { RunViewBody } from './runs/run-queries.js';
