import type { PipelineSummary } from '@tributary/api-contract';
import { Link } from 'wouter';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/ErrorNote';
import { formatTime } from '../ui/time';
import { useApi } from '../ui/use-api';

/** `GET /pipelines`: every pipeline at its latest version. */
export function PipelinesPage() {
  const { client } = useSession();
  const pipelines = useApi('pipelines', (signal) =>
    client.get<PipelineSummary[]>('/pipelines', undefined, signal),
  );
  return (
    <section>
      <h1>Pipelines</h1>
      <ErrorNote error={pipelines.error} />
      <table className="list">
        <thead>
          <tr>
            <th scope="col">Pipeline</th>
            <th scope="col">Latest version</th>
            <th scope="col">Applied</th>
          </tr>
        </thead>
        <tbody>
          {(pipelines.data ?? []).map((p) => (
            <tr key={p.id}>
              <td>
                <Link to={`/pipelines/${encodeURIComponent(p.id)}`}>{p.id}</Link>
              </td>
              <td>v{p.version}</td>
              <td>{formatTime(p.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pipelines.data?.length === 0 && (
        <p>
          No pipeline yet: <code>tributary pipelines apply pipeline.yaml</code>.
        </p>
      )}
    </section>
  );
}
