import { runAsProcess } from '@tributary/runtime';
import { startExecutor } from './executor.js';
import { executorOptionsFrom } from './executor.options.js';

runAsProcess(async () => startExecutor(undefined, executorOptionsFrom(process.argv.slice(2))));
