import { mergeConfig } from 'vitest/config';
import shared from '../vitest.shared';

// The smoke test starts real processes and Redis queues: one file at a time.
export default mergeConfig(shared, { test: { fileParallelism: false } });
