import type { RunSummary } from '@tributary/api-contract';
import { Link, useSearchParams } from 'wouter';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/ErrorNote';
import { StateBadge } from '../ui/StateBadge';
import { RUN_STATES } from '../ui/task-states';
import { formatDuration, formatTime } from '../ui/time';
import { useApi } from '../ui/use-api';

/**
 * `GET /runs` with its filters in the address (so a filtered list can be shared), refreshed every 2 s.
 * The time window (`since`, `until`: local times from the inputs) is the api's filter too, so it reaches
 * back past the newest 200 runs.
 */
export function RunsPage() {
  const { client } = useSession();
  const [search, setSearch] = useSearchParams();
  const pipeline = search.get('pipeline') ?? '';
  const state = search.get('state') ?? '';
  const partial = search.get('partial') === 'true';
  const since = search.get('since') ?? '';
  const until = search.get('until') ?? '';
  const runs = useApi(
    `runs?${search.toString()}`,
    (signal) =>
      client.get<RunSummary[]>(
        '/runs',
        {
          pipeline,
          state,
          partial: partial || undefined,
          since: isoOf(since),
          until: isoOf(until),
          limit: 200,
        },
        signal,
      ),
    2000,
  );
  const set = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    setSearch(next, { replace: true });
  };
  const shown = runs.data ?? [];

  return (
    <section>
      <h1>Runs</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Pipeline{' '}
          <input value={pipeline} onChange={(e) => set('pipeline', e.target.value)} placeholder="any" />
        </label>
        <label>
          State
          <select value={state} onChange={(e) => set('state', e.target.value)}>
            <option value="">any</option>
            {RUN_STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={partial}
            onChange={(e) => set('partial', e.target.checked ? 'true' : '')}
          />{' '}
          only partial
        </label>
        <label>
          Since <input type="datetime-local" value={since} onChange={(e) => set('since', e.target.value)} />
        </label>
        <label>
          Until <input type="datetime-local" value={until} onChange={(e) => set('until', e.target.value)} />
        </label>
      </form>
      <ErrorNote error={runs.error} />
      <table className="list">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Pipeline</th>
            <th scope="col">State</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to={`/runs/${run.id}`}>{run.id.slice(0, 8)}</Link>
              </td>
              <td>
                <Link to={`/pipelines/${encodeURIComponent(run.pipeline)}`}>{run.pipeline}</Link> v
                {run.version}
              </td>
              <td>
                <StateBadge state={run.state} />
              </td>
              <td>{formatTime(run.createdAt)}</td>
              <td>
                {formatDuration(
                  run.createdAt,
                  run.finishedAt ?? (run.state === 'running' ? new Date().toISOString() : null),
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data && shown.length === 0 && <p>No runs match.</p>}
    </section>
  );
}

/** A `datetime-local` value (the browser's local time) as the api's ISO time with offset; '' → none. */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const time = new Date(local);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}
