export { startPlanner } from './planner.js';
export { PlannerModule } from './planner.module.js';
