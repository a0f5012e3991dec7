export { startConsolidator } from './start-consolidator.js';
export { ConsolidatorModule } from './consolidator.module.js';
export { ConsolidatorService, loadConsolidatorHandlers } from './consolidator.service.js';
export { consolidatorConsumer, CONSOLIDATOR_DURABLE } from './consolidator.consumers.js';
export {
  Consolidator,
  ConsolidatorStoppingError,
  type ConsolidationDecision,
  type ConsolidationTrigger,
  type ConsolidatorOptions,
} from './consolidation-round.js';
export {
  consolidationAttemptId,
  consolidationResultBatch,
  type ConsolidationResult,
} from './consolidation-result.js';
