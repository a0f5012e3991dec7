import { runAsProcess } from '@tributary/runtime';
import { startConsolidator } from './consolidator.js';

runAsProcess(() => startConsolidator());
