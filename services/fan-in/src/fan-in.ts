import { loadConfig, startNestService, type RunningService, type TributaryConfig } from '@tributary/runtime';
import { FanInModule } from './fan-in.module.js';

/** Starts the fan-in service (alone, or beside the others in `tributary dev`). */
export function startFanIn(config: TributaryConfig = loadConfig()): Promise<RunningService> {
  return startNestService('fan-in', config, (infra) => FanInModule.register(infra));
}
