import { runAsProcess } from '@tributary/runtime';
import { startConsolidator } from './start-consolidator.js';

runAsProcess(() => startConsolidator());
