export { startFanIn } from './fan-in.js';
export { FanInModule } from './fan-in.module.js';
export { FanInService } from './fan-in.service.js';
export { fanInConsumer, FAN_IN_DURABLE } from './fan-in.consumers.js';
export {
  FanInLedger,
  foldFanIn,
  isTopLevelGroupEvent,
  type FanInBlock,
  type FanInGroup,
  type FanInRound,
  type FanInRunCounts,
  type FanInStep,
} from './fan-in-ledger.js';
export { consolidationDueMsgId } from './consolidation-due.js';
