import { runAsProcess } from '@tributary/runtime';
import { startApi } from './api.js';

runAsProcess(() => startApi());
