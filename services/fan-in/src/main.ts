import { runAsProcess } from '@tributary/runtime';
import { startFanIn } from './fan-in.js';

runAsProcess(() => startFanIn());
