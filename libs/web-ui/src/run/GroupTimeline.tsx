import type { TaskInstancePage } from '@tributary/api-contract';
import { useState } from 'react';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/ErrorNote';
import { stateColor } from '../ui/task-states';
import { useApi } from '../ui/use-api';

const LIMIT = 2000;

/**
 * A Gantt chart of one group's instances (start → end of their current attempt), the group picked from
 * a list: a run of 10 000 groups loads one group's instances, at most 2 000 of them.
 */
export function GroupTimeline(props: {
  runId: string;
  groups: string[];
  version: number;
  onTask(id: string): void;
}) {
  const { client } = useSession();
  const [group, setGroup] = useState(props.groups[0] ?? '-');
  const page = useApi(`${group}@${props.version}`, (signal) =>
    client.get<TaskInstancePage>(
      `/runs/${encodeURIComponent(props.runId)}/tasks`,
      { group, limit: LIMIT },
      signal,
    ),
  );
  const tasks = (page.data?.tasks ?? []).filter((t) => t.startedAt);
  const t0 = Math.min(...tasks.map((t) => Date.parse(t.startedAt!)));
  const t1 = Math.max(...tasks.map((t) => Date.parse(t.finishedAt ?? new Date().toISOString())));
  const span = Math.max(1, t1 - t0);

  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <label>
        Group{' '}
        <select value={group} onChange={(e) => setGroup(e.target.value)}>
          {props.groups.map((g) => (
            <option key={g}>{g}</option>
          ))}
          <option value="-">outside any group</option>
        </select>
      </label>
      <ErrorNote error={page.error} />
      {page.data?.nextCursor && <p className="muted">Showing the first {LIMIT} instances of this group.</p>}
      <div className="gantt" role="list" aria-label={`Instances of ${group} over time`}>
        {tasks.map((t) => {
          const start = Date.parse(t.startedAt!);
          const end = Date.parse(t.finishedAt ?? new Date().toISOString());
          return (
            <div role="listitem" className="gantt-row" key={t.taskId}>
              <button
                type="button"
                className="link gantt-name"
                onClick={() => props.onTask(t.taskId)}
                title={t.taskId}
              >
                {t.taskId.slice(group.length + 1) || t.taskId}
              </button>
              <span className="gantt-track">
                <span
                  className="gantt-bar"
                  title={`${t.state}, ${end - start} ms`}
                  style={{
                    left: `${(100 * (start - t0)) / span}%`,
                    width: `${Math.max(0.5, (100 * (end - start)) / span)}%`,
                    background: stateColor(t.state),
                  }}
                />
              </span>
            </div>
          );
        })}
      </div>
      {page.data && tasks.length === 0 && <p>No instance of this group has started.</p>}
    </section>
  );
}
