import { loadConfig, startNestService, type RunningService, type TributaryConfig } from '@tributary/runtime';
import { PlannerModule } from './planner.module.js';

/** Starts the planner service (alone, or beside the others in `tributary dev`). */
export function startPlanner(config: TributaryConfig = loadConfig()): Promise<RunningService> {
  return startNestService('planner', config, (infra) => PlannerModule.register(infra));
}
