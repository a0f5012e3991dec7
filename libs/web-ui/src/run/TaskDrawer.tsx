import type { ClearedAnswer, TaskInstanceView, TaskLogEntry } from '@tributary/api-contract';
import { useEffect, useRef, useState } from 'react';
import { may, traceLink, useSession } from '../session/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ErrorNote } from '../ui/ErrorNote';
import { StateBadge } from '../ui/StateBadge';
import { formatDuration, formatTime } from '../ui/time';
import { useApi } from '../ui/use-api';
import { ClearedPreview } from './ClearedPreview';
import { attemptsOf, type LoggedEvent } from './attempts';

const RUNNING = new Set(['queued', 'running', 'up_for_retry', 'scheduled']);

/**
 * One task instance: state and timings, every attempt with its error, the log (tailed every 2 s while
 * it runs), its output, its trace, and the operator's clear (dry run first) and mark.
 */
export function TaskDrawer(props: {
  runId: string;
  taskId: string;
  version: number;
  onClose(): void;
  onDone(): void;
}) {
  const session = useSession();
  const { client } = session;
  const run = encodeURIComponent(props.runId);
  const task = encodeURIComponent(props.taskId);
  const instance = useApi(`${props.taskId}@${props.version}`, (signal) =>
    client.get<TaskInstanceView>(`/runs/${run}/tasks/${task}`, undefined, signal),
  );
  // The instance's events (a scan of the run's log) only when its attempt or state moved, not on every
  // live refresh of the page.
  const events = useApi(`${props.taskId}@${instance.data?.attempt}:${instance.data?.state}`, (signal) =>
    client.get<LoggedEvent[]>(`/runs/${run}/events`, { taskId: props.taskId, limit: 10_000 }, signal),
  );
  const moving = RUNNING.has(instance.data?.state ?? '');
  const logs = useApi(
    `${props.taskId}@${instance.data?.attempt}:${instance.data?.state}`,
    (signal) => client.get<TaskLogEntry[]>(`/runs/${run}/tasks/${task}/logs`, { limit: 5000 }, signal),
    moving ? 2000 : undefined,
  );
  const [action, setAction] = useState<'clear' | 'success' | 'failed' | null>(null);
  const logEnd = useRef<HTMLDivElement>(null);
  // Braces: newer browsers return a promise from scrollIntoView, and an effect may return only a cleanup.
  useEffect(() => {
    void logEnd.current?.scrollIntoView?.({ block: 'nearest' });
  }, [logs.data?.length]);
  const t = instance.data;
  const attempts = attemptsOf(events.data ?? []);
  const traceId = events.data?.find((e) => e.traceId)?.traceId ?? null;
  const trace = traceLink(session, traceId);
  const done = (ok: boolean) => {
    setAction(null);
    if (ok) props.onDone();
  };

  return (
    <aside className="drawer" aria-label={`Task instance ${props.taskId}`} data-testid="task-drawer">
      <header>
        <h2>
          <code>{props.taskId}</code>
        </h2>
        <button type="button" onClick={props.onClose} aria-label="Close the task instance">
          ✕
        </button>
      </header>
      <ErrorNote error={instance.error} />
      {t && (
        <>
          <dl className="facts">
            <dt>State</dt>
            <dd>
              <StateBadge state={t.state} />
            </dd>
            <dt>Attempt</dt>
            <dd>{t.attempt}</dd>
            {t.label && (
              <>
                <dt>Label</dt>
                <dd>{t.label}</dd>
              </>
            )}
            <dt>Started</dt>
            <dd>{formatTime(t.startedAt)}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(t.startedAt, t.finishedAt)}</dd>
            <dt>Trace</dt>
            <dd>
              {trace ? (
                <a href={trace} target="_blank" rel="noreferrer">
                  {traceId}
                </a>
              ) : (
                <code>{traceId ?? '—'}</code>
              )}
            </dd>
          </dl>
          {may(session, 'operator') && (
            <div className="buttons">
              <button type="button" onClick={() => setAction('clear')}>
                Clear…
              </button>
              <button type="button" onClick={() => setAction('success')}>
                Mark success…
              </button>
              <button type="button" onClick={() => setAction('failed')}>
                Mark failed…
              </button>
            </div>
          )}
          {t.error && (
            <p className="error">
              {t.error.type}: {t.error.message}
            </p>
          )}
        </>
      )}
      <h3>Attempts</h3>
      <ol className="attempts">
        {attempts.map((a) => (
          <li key={a.attempt}>
            try {a.attempt}: <StateBadge state={a.outcome} />{' '}
            {a.host && <span className="muted">on {a.host}</span>}{' '}
            <span className="muted">{formatDuration(a.startedAt, a.endedAt)}</span>
            {a.error && <div className="error">{a.error}</div>}
          </li>
        ))}
      </ol>
      <h3>Log</h3>
      <div className="log" role="log" aria-live={moving ? 'polite' : 'off'} tabIndex={0}>
        {(logs.data ?? []).map((line, i) => (
          <div key={i} className={`log-${line.level}`}>
            <span className="muted">
              {line.at.slice(11, 23)} #{line.attempt} {line.level}
            </span>{' '}
            {line.message}
          </div>
        ))}
        {logs.data?.length === 0 && <span className="muted">no log lines</span>}
        <div ref={logEnd} />
      </div>
      <h3>Output</h3>
      <pre className="output">{t?.output === undefined ? '—' : JSON.stringify(t.output, null, 2)}</pre>
      {action === 'clear' && (
        <ConfirmDialog
          title={`Clear ${props.taskId}`}
          confirmLabel="Clear"
          preview={async () => (
            <ClearedPreview
              ids={
                (
                  await client.post<ClearedAnswer>(`/runs/${run}/clear`, {
                    taskIds: [props.taskId],
                    dryRun: true,
                  })
                ).cleared
              }
            />
          )}
          act={(reason) =>
            client.post(`/runs/${run}/clear`, { taskIds: [props.taskId], ...(reason ? { reason } : {}) })
          }
          onClose={done}
        >
          <p>The instance and everything downstream of it run again.</p>
        </ConfirmDialog>
      )}
      {(action === 'success' || action === 'failed') && (
        <ConfirmDialog
          title={`Mark ${props.taskId} ${action}`}
          confirmLabel={`Mark ${action}`}
          act={(reason) =>
            client.post(`/runs/${run}/mark`, {
              taskId: props.taskId,
              state: action,
              ...(reason ? { reason } : {}),
            })
          }
          onClose={done}
        />
      )}
    </aside>
  );
}
