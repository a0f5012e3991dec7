import { runAsProcess } from '@tributary/runtime';
import { startPlanner } from './planner.js';

runAsProcess(() => startPlanner());
