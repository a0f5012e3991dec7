import { mergeConfig } from 'vitest/config';
import shared from '../vitest.shared';

export default mergeConfig(shared, { test: { include: ['**/*.spec.ts'], fileParallelism: false } });
