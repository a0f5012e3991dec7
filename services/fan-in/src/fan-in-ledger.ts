import type { RunEvent } from '@tributary/domain';

/** The group-lifecycle events the fan-in consumes (`p.event.group.>`). */
export type GroupEvent = Extract<RunEvent, { type: 'GroupsExpanded' | 'GroupCompleted' | 'GroupReopened' }>;
export type FanInGroupState = 'running' | 'success' | 'failed';

/** One run's counters (`fan_in_runs`). `blocksTotal` 0 = the fan-in does not consolidate this run. */
export interface FanInRunCounts {
  blocksTotal: number;
  blocksSeen: number;
  openGroups: number;
  round: number;
  armed: boolean;
}

/** One top-level group (`fan_in_groups`): its latest known state and the run_seq that set it. */
export interface FanInGroup {
  path: string;
  block: string;
  state: FanInGroupState;
  lastRunSeq: number;
}

/** One top-level block whose GroupsExpanded arrived (`fan_in_blocks`). */
export interface FanInBlock {
  block: string;
  lastRunSeq: number;
}

/** What one event did to the ledger. `fire` is the new round when it completed the fan-in. */
export type FanInStep =
  | { kind: 'ignored'; reason: string }
  | { kind: 'duplicate'; reason: string }
  | { kind: 'applied'; fire: number | null };

/** True for GroupsExpanded at the top level and GroupCompleted/GroupReopened of a top-level group. */
export function isTopLevelGroupEvent(event: RunEvent): event is GroupEvent {
  if (event.type === 'GroupsExpanded') return event.parentGroup === null;
  if (event.type === 'GroupCompleted' || event.type === 'GroupReopened')
    return !event.groupPath.includes('/');
  return false;
}

/** The group paths an event is about (the rows the ledger needs loaded to apply it). */
export function groupPathsOf(event: GroupEvent): string[] {
  return event.type === 'GroupsExpanded' ? event.groups.map((g) => g.path) : [event.groupPath];
}

/** The block of a top-level group path: `market=LU` → `market`. */
export function blockOfGroupPath(path: string): string {
  const eq = path.indexOf('=');
  return eq < 0 ? path : path.slice(0, eq);
}

/**
 * The fan-in's counting, pure: which top-level blocks expanded, which top-level groups are open, and
 * when every group of the run is terminal — then, once per arming, a new consolidation round.
 *
 * Idempotent and order-tolerant by run_seq: a row only takes an event newer than the one that last set
 * it, so a replayed, redelivered or late (older) event changes nothing. Arming: a run starts armed; firing
 * disarms it; a reopen re-arms it. A reopen that is only *implied* also re-arms — a GroupCompleted for a
 * group already terminal (its GroupReopened will arrive late and be ignored) and a second GroupsExpanded
 * of a block (an unresolved block reset and expanded again) — so a late or lost-by-order reopen can
 * never leave a run waiting for a consolidation round that will not come.
 *
 * Holds only the rows it was given (the store loads the ones a batch touches); `groups()` lists them.
 */
export class FanInLedger {
  readonly run: FanInRunCounts;
  private readonly groupRows = new Map<string, FanInGroup>();
  private readonly blockRows = new Map<string, FanInBlock>();
  private readonly dirtyGroups = new Set<string>();
  private readonly dirtyBlocks = new Set<string>();

  constructor(run: FanInRunCounts, groups: Iterable<FanInGroup> = [], blocks: Iterable<FanInBlock> = []) {
    this.run = { ...run };
    for (const g of groups) this.groupRows.set(g.path, { ...g });
    for (const b of blocks) this.blockRows.set(b.block, { ...b });
  }

  /** Applies one event of the run at `runSeq` (the envelope's run_seq). */
  apply(event: RunEvent, runSeq: number): FanInStep {
    if (this.run.blocksTotal <= 0)
      return { kind: 'ignored', reason: 'the run is not consolidated by the fan-in' };
    if (!isTopLevelGroupEvent(event))
      return { kind: 'ignored', reason: `${event.type} is not about a top-level group` };
    if (!Number.isSafeInteger(runSeq) || runSeq < 1)
      return { kind: 'ignored', reason: `invalid run_seq ${runSeq}` };
    let changed: boolean;
    if (event.type === 'GroupsExpanded') changed = this.expanded(event, runSeq);
    else if (event.type === 'GroupCompleted') changed = this.completed(event.groupPath, event.state, runSeq);
    else changed = this.reopened(event.groupPath, runSeq);
    if (!changed)
      return { kind: 'duplicate', reason: `${event.type} at run_seq ${runSeq} is not newer than the ledger` };
    return { kind: 'applied', fire: this.fireIfComplete() };
  }

  /** Every top-level group row held, by path. */
  groups(): FanInGroup[] {
    return [...this.groupRows.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  group(path: string): FanInGroup | undefined {
    return this.groupRows.get(path);
  }

  /** Rows changed since the last call (to write back), and forgets them. */
  takeDirty(): { groups: FanInGroup[]; blocks: FanInBlock[] } {
    const groups = [...this.dirtyGroups].map((p) => ({ ...this.groupRows.get(p)! }));
    const blocks = [...this.dirtyBlocks].map((b) => ({ ...this.blockRows.get(b)! }));
    this.dirtyGroups.clear();
    this.dirtyBlocks.clear();
    return { groups, blocks };
  }

  private expanded(event: Extract<GroupEvent, { type: 'GroupsExpanded' }>, runSeq: number): boolean {
    const block = this.blockRows.get(event.blockPath);
    if (block && runSeq <= block.lastRunSeq) return false;
    if (block)
      this.run.armed = true; // expanded again: the block was reset since, a new round is due
    else this.run.blocksSeen += 1;
    this.blockRows.set(event.blockPath, { block: event.blockPath, lastRunSeq: runSeq });
    this.dirtyBlocks.add(event.blockPath);
    for (const g of event.groups) {
      const row = this.groupRows.get(g.path);
      if (row && runSeq <= row.lastRunSeq) continue; // a newer event of this group came first: it wins
      if (!row || row.state !== 'running') this.run.openGroups += 1;
      this.setGroup({ path: g.path, block: event.blockPath, state: 'running', lastRunSeq: runSeq });
    }
    return true;
  }

  private completed(path: string, state: 'success' | 'failed', runSeq: number): boolean {
    const row = this.groupRows.get(path);
    if (row && runSeq <= row.lastRunSeq) return false;
    if (row?.state === 'running') this.run.openGroups -= 1;
    else if (row) this.run.armed = true; // terminal → terminal: it was reopened in between (late reopen)
    this.setGroup({ path, block: row?.block ?? blockOfGroupPath(path), state, lastRunSeq: runSeq });
    return true;
  }

  private reopened(path: string, runSeq: number): boolean {
    const row = this.groupRows.get(path);
    if (row && runSeq <= row.lastRunSeq) return false;
    if (!row || row.state !== 'running') this.run.openGroups += 1;
    this.run.armed = true;
    this.setGroup({
      path,
      block: row?.block ?? blockOfGroupPath(path),
      state: 'running',
      lastRunSeq: runSeq,
    });
    return true;
  }

  private setGroup(row: FanInGroup): void {
    this.groupRows.set(row.path, row);
    this.dirtyGroups.add(row.path);
  }

  private fireIfComplete(): number | null {
    const { run } = this;
    if (!run.armed || run.blocksSeen < run.blocksTotal || run.openGroups > 0) return null;
    run.round += 1;
    run.armed = false;
    return run.round;
  }
}

/** A round the fan-in emitted: each top-level group's final state, and the event that completed it. */
export interface FanInRound {
  round: number;
  runSeq: number;
  groups: { path: string; state: 'success' | 'failed' }[];
}

/** The terminal groups of a ledger as a ConsolidationDue lists them. */
export function roundGroups(groups: readonly FanInGroup[]): FanInRound['groups'] {
  return groups
    .filter((g) => g.state !== 'running')
    .map((g) => ({ path: g.path, state: g.state === 'success' ? 'success' : 'failed' }));
}

/**
 * Folds a sequence of (event, run_seq) — in any order, with duplicates — from an empty ledger and
 * returns the rounds it would emit: what the service does, without Postgres.
 */
export function foldFanIn(
  blocksTotal: number,
  events: readonly { event: RunEvent; runSeq: number }[],
): { rounds: FanInRound[]; ledger: FanInLedger } {
  const ledger = new FanInLedger({ blocksTotal, blocksSeen: 0, openGroups: 0, round: 0, armed: true });
  const rounds: FanInRound[] = [];
  for (const { event, runSeq } of events) {
    const step = ledger.apply(event, runSeq);
    if (step.kind === 'applied' && step.fire !== null)
      rounds.push({ round: step.fire, runSeq, groups: roundGroups(ledger.groups()) });
  }
  return { rounds, ledger };
}
