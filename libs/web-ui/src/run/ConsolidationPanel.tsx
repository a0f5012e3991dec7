import { useSession } from '../session/session';
import { StateBadge } from '../ui/StateBadge';
import { formatTime } from '../ui/time';
import { useApi } from '../ui/use-api';
import type { LoggedEvent } from './attempts';

interface Triggered {
  round: number;
  groups: { path: string; state: string }[];
}

/**
 * The consolidation and the group outcomes it saw: each round's `ConsolidationTriggered` event records
 * every top-level group's state when the fan-in let the consolidation start.
 */
export function ConsolidationPanel({
  runId,
  consolidation,
  onTask,
}: {
  runId: string;
  /** The consolidation's counts as text: a new round changes them, and only then are events read. */
  consolidation: string;
  onTask(id: string): void;
}) {
  const { client } = useSession();
  const rounds = useApi(`${runId}@${consolidation}`, (signal) =>
    client.get<LoggedEvent[]>(
      `/runs/${encodeURIComponent(runId)}/events`,
      { type: 'ConsolidationTriggered', limit: 100 },
      signal,
    ),
  );
  const last = rounds.data?.[rounds.data.length - 1];
  if (!last) return null;
  const payload = last.payload as unknown as Triggered;
  return (
    <section className="consolidation" aria-labelledby="consolidation-title">
      <h2 id="consolidation-title">
        Consolidation{' '}
        <button type="button" className="link" onClick={() => onTask('consolidate')}>
          open
        </button>
      </h2>
      <p className="muted">
        round {payload.round} triggered {formatTime(last.occurredAt)} over {payload.groups.length} groups:
      </p>
      <ul className="group-outcomes">
        {payload.groups.map((g) => (
          <li key={g.path}>
            {g.path} <StateBadge state={g.state} />
          </li>
        ))}
      </ul>
    </section>
  );
}
