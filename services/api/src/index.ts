export { startApi, API_PREFIX, type RunningApi, type StartApiOptions } from './api.js';
export { ApiModule } from './api.module.js';
export { hashToken } from './auth/token-store.js';
export type { RunViewBody } from './runs/run-queries.js';
