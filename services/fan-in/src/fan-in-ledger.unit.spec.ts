import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RunEvent } from '@tributary/domain';
import { FanInLedger, foldFanIn } from './fan-in-ledger.js';

const expanded = (block: string, keys: string[], parentGroup: string | null = null): RunEvent => ({
  type: 'GroupsExpanded',
  blockPath: block,
  parentGroup,
  groups: keys.map((key) => ({
    path: parentGroup ? `${parentGroup}/${block}=${key}` : `${block}=${key}`,
    key,
    value: key,
  })),
  unresolved: null,
  error: null,
  at: 0,
});
const unresolved = (block: string): RunEvent => ({
  type: 'GroupsExpanded',
  blockPath: block,
  parentGroup: null,
  groups: [],
  unresolved: 'upstream_failed',
  error: null,
  at: 0,
});
const completed = (groupPath: string, state: 'success' | 'failed' = 'success'): RunEvent => ({
  type: 'GroupCompleted',
  groupPath,
  state,
  at: 0,
});
const reopened = (groupPath: string): RunEvent => ({ type: 'GroupReopened', groupPath, at: 0 });

/** Numbers events 1, 2, 3… as the planner's log would (other events of the run are left out). */
const inOrder = (...events: RunEvent[]) => events.map((event, i) => ({ event, runSeq: (i + 1) * 10 }));

describe('fan-in counting (pure)', () => {
  it('emits one round once every top-level block expanded and every group is terminal, with each state', () => {
    const seq = inOrder(
      expanded('market', ['LU', 'PT']),
      completed('market=LU'),
      completed('market=PT', 'failed'),
      expanded('shard', ['1', '2']),
      completed('shard=1'),
      completed('shard=2'),
    );
    const { rounds, ledger } = foldFanIn(2, seq);
    expect(rounds).toEqual([
      {
        round: 1,
        runSeq: 60,
        groups: [
          { path: 'market=LU', state: 'success' },
          { path: 'market=PT', state: 'failed' },
          { path: 'shard=1', state: 'success' },
          { path: 'shard=2', state: 'success' },
        ],
      },
    ]);
    expect(ledger.run).toEqual({ blocksTotal: 2, blocksSeen: 2, openGroups: 0, round: 1, armed: false });
  });

  it('waits for a block that has not expanded yet, even when every group seen so far is terminal', () => {
    const { rounds } = foldFanIn(2, inOrder(expanded('market', ['LU']), completed('market=LU')));
    expect(rounds).toEqual([]);
  });

  it('counts a block expanded over [] or left unresolved as seen', () => {
    expect(foldFanIn(1, inOrder(expanded('market', []))).rounds).toHaveLength(1);
    const { rounds } = foldFanIn(
      2,
      inOrder(expanded('market', ['LU']), unresolved('shard'), completed('market=LU')),
    );
    expect(rounds.map((r) => [r.round, r.groups])).toEqual([[1, [{ path: 'market=LU', state: 'success' }]]]);
  });

  it('ignores replayed and redelivered events: the same run_seq never counts twice', () => {
    const seq = inOrder(expanded('market', ['LU', 'PT']), completed('market=LU'), completed('market=PT'));
    const { rounds } = foldFanIn(1, [...seq, ...seq, seq[1]!, ...seq]);
    expect(rounds.map((r) => r.round)).toEqual([1]);
  });

  it('a duplicate completion does not close another group', () => {
    const seq = inOrder(expanded('market', ['LU', 'PT']), completed('market=LU'));
    const { rounds, ledger } = foldFanIn(1, [...seq, seq[1]!, seq[1]!]);
    expect(rounds).toEqual([]);
    expect(ledger.run.openGroups).toBe(1);
  });

  it('a reopen (clear) re-arms the run: the next time all are terminal is round 2, exactly once', () => {
    const seq = inOrder(
      expanded('market', ['LU', 'PT']),
      completed('market=LU'),
      completed('market=PT'),
      reopened('market=PT'),
      completed('market=PT', 'failed'),
    );
    const { rounds } = foldFanIn(1, [...seq, ...seq]);
    expect(rounds.map((r) => [r.round, r.runSeq])).toEqual([
      [1, 30],
      [2, 50],
    ]);
    expect(rounds[1]!.groups).toContainEqual({ path: 'market=PT', state: 'failed' });
  });

  it('ignores an event older than the one that last set its group (out of order)', () => {
    const [exp, lu, pt, reopen] = inOrder(
      expanded('market', ['LU', 'PT']),
      completed('market=LU'),
      completed('market=PT'),
      reopened('market=PT'),
    );
    // The reopen (seq 40) is applied before the completion it followed (seq 30): PT stays open.
    const { rounds, ledger } = foldFanIn(1, [exp!, lu!, reopen!, pt!]);
    expect(rounds).toEqual([]);
    expect(ledger.group('market=PT')).toMatchObject({ state: 'running', lastRunSeq: 40 });
  });

  it('a completion seen before its block expanded is kept; the late expansion does not reopen it', () => {
    const [exp, lu, pt] = inOrder(
      expanded('market', ['LU', 'PT']),
      completed('market=LU'),
      completed('market=PT'),
    );
    const { rounds, ledger } = foldFanIn(1, [lu!, pt!, exp!]);
    expect(rounds.map((r) => r.round)).toEqual([1]);
    expect(ledger.run.openGroups).toBe(0);
  });

  it('a reopen that arrives after the completion that followed it still yields the new round', () => {
    const [exp, lu, first, reopen, second] = inOrder(
      expanded('market', ['LU', 'PT']),
      completed('market=LU'),
      completed('market=PT'),
      reopened('market=PT'),
      completed('market=PT', 'failed'),
    );
    const { rounds } = foldFanIn(1, [exp!, lu!, first!, second!, reopen!]);
    expect(rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(rounds[1]!.groups).toContainEqual({ path: 'market=PT', state: 'failed' });
  });

  it('a block expanded again (its unresolved expansion was reset by a clear) re-arms the run', () => {
    const { rounds } = foldFanIn(
      2,
      inOrder(
        expanded('market', ['LU']),
        unresolved('shard'),
        completed('market=LU'),
        expanded('shard', ['1']),
        completed('shard=1'),
      ),
    );
    expect(rounds.map((r) => [r.round, r.groups.length])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('ignores nested groups and runs the fan-in does not consolidate', () => {
    const nested = inOrder(
      expanded('market', ['LU']),
      expanded('lang', ['fr'], 'market=LU'),
      completed('market=LU/lang=fr'),
      reopened('market=LU/lang=fr'),
    );
    const { rounds, ledger } = foldFanIn(1, nested);
    expect(rounds).toEqual([]);
    expect(ledger.groups().map((g) => g.path)).toEqual(['market=LU']);
    const off = new FanInLedger({ blocksTotal: 0, blocksSeen: 0, openGroups: 0, round: 0, armed: true });
    expect(off.apply(expanded('market', []), 1).kind).toBe('ignored');
  });

  it('any delivery order with duplicates ends in the in-order state, fires when all are terminal, at most once per arming', () => {
    // A reference history: 3 groups in 2 blocks, completions, and reopen/complete cycles.
    const history = inOrder(
      expanded('market', ['LU', 'PT']),
      expanded('shard', ['1']),
      completed('market=LU'),
      completed('shard=1', 'failed'),
      completed('market=PT'),
      reopened('shard=1'),
      completed('shard=1'),
      reopened('market=LU'),
      completed('market=LU', 'failed'),
    );
    const reopens = history.filter((h) => h.event.type === 'GroupReopened').length;
    const reference = foldFanIn(2, history);
    fc.assert(
      fc.property(
        fc.array(fc.nat(history.length - 1), { minLength: history.length, maxLength: history.length * 3 }),
        fc.integer({ min: 1, max: history.length }),
        (picks, prefixLength) => {
          // Every event of a prefix of the history at least once, in a random order, some of them repeated.
          const prefix = history.slice(0, prefixLength);
          const order = [...prefix, ...picks.filter((i) => i < prefixLength).map((i) => history[i]!)];
          const shuffled = order
            .map((h, i) => ({ h, key: picks[i % picks.length]! * 31 + i }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.h);
          const inOrderFold = foldFanIn(2, prefix);
          const { rounds, ledger } = foldFanIn(2, shuffled);
          expect(ledger.groups().map((g) => [g.path, g.state])).toEqual(
            inOrderFold.ledger.groups().map((g) => [g.path, g.state]),
          );
          const allTerminal =
            inOrderFold.ledger.run.blocksSeen === 2 && inOrderFold.ledger.run.openGroups === 0;
          // All terminal at the end ⇒ a round was emitted for it; otherwise the run is armed for the next one.
          if (allTerminal) expect(rounds.length).toBeGreaterThan(0);
          expect(ledger.run.armed).toBe(!allTerminal);
          expect(rounds.length).toBeLessThanOrEqual(1 + reopens);
          expect(rounds.map((r) => r.round)).toEqual(rounds.map((_, i) => i + 1));
        },
      ),
      { numRuns: 300 },
    );
    expect(reference.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
  });
});
