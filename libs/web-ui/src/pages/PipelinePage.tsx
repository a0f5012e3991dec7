import type { RJSFSchema } from '@rjsf/utils';
import type { PipelineVersionSummary, PipelineView, RunSummary } from '@tributary/api-contract';
import { Link, useParams } from 'wouter';
import { TriggerForm } from '../pipeline/TriggerForm';
import { VersionDiff } from '../pipeline/VersionDiff';
import { may, useSession } from '../session/session';
import { ErrorNote } from '../ui/ErrorNote';
import { StateBadge } from '../ui/StateBadge';
import { formatTime } from '../ui/time';
import { useApi } from '../ui/use-api';

/** The spec's parts this page shows (the contract types `spec` as the validated spec, unknown here). */
type Pipeline = Omit<PipelineView, 'spec'> & {
  spec: { params?: RJSFSchema; schedule?: unknown; on?: unknown; description?: string };
};

/** One pipeline: its latest version, schedule and upstream triggers, versions with a diff, last runs, trigger form. */
export function PipelinePage() {
  const pipelineId = useParams<{ pipelineId: string }>().pipelineId;
  const session = useSession();
  const { client } = session;
  const id = encodeURIComponent(pipelineId);
  const pipeline = useApi(`p:${pipelineId}`, (signal) =>
    client.get<Pipeline>(`/pipelines/${id}`, undefined, signal),
  );
  const versions = useApi(`v:${pipelineId}`, (signal) =>
    client.get<PipelineVersionSummary[]>(`/pipelines/${id}/versions`, undefined, signal),
  );
  const runs = useApi(
    `r:${pipelineId}`,
    (signal) => client.get<RunSummary[]>('/runs', { pipeline: pipelineId, limit: 10 }, signal),
    3000,
  );
  const p = pipeline.data;

  return (
    <section>
      <h1>{pipelineId}</h1>
      <ErrorNote error={pipeline.error} />
      {p && (
        <>
          <p className="muted">
            v{p.version} applied {formatTime(p.createdAt)} by {p.createdBy ?? '—'}
          </p>
          {p.spec.description && <p>{p.spec.description}</p>}
          {p.spec.schedule !== undefined && p.spec.schedule !== null && (
            <>
              <h2>Schedule</h2>
              <pre className="output">{JSON.stringify(p.spec.schedule, null, 2)}</pre>
            </>
          )}
          {p.spec.on !== undefined && p.spec.on !== null && (
            <>
              <h2>Upstream triggers</h2>
              <pre className="output">{JSON.stringify(p.spec.on, null, 2)}</pre>
            </>
          )}
          {may(session, 'operator') && (
            <TriggerForm pipelineId={pipelineId} schema={p.spec.params ?? { type: 'object' }} />
          )}
        </>
      )}
      <h2>Last runs</h2>
      <ul className="runs-short">
        {(runs.data ?? []).map((r) => (
          <li key={r.id}>
            <Link to={`/runs/${r.id}`}>{r.id.slice(0, 8)}</Link> v{r.version} <StateBadge state={r.state} />{' '}
            {formatTime(r.createdAt)}
          </li>
        ))}
      </ul>
      {versions.data && versions.data.length > 1 && (
        <VersionDiff pipelineId={pipelineId} versions={versions.data.map((v) => v.version)} />
      )}
      {versions.data && (
        <table className="list">
          <caption>All versions</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Applied</th>
              <th scope="col">By</th>
              <th scope="col">Content hash</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((v) => (
              <tr key={v.version}>
                <td>v{v.version}</td>
                <td>{formatTime(v.createdAt)}</td>
                <td>{v.createdBy ?? '—'}</td>
                <td>
                  <code>{v.contentHash.slice(0, 16)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
