import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/ErrorNote';
import { formatTime } from '../ui/time';
import type { LoggedEvent } from './attempts';
import { verifyChain, type ChainCheck } from './chain-verification';

type Exported = LoggedEvent;
const PAGE = 5000;
const ROW = 28;
/** Operator and lifecycle events: what an auditor looks for first. */
const NOTABLE =
  /Cleared|Marked|Cancelled|Reopened|Rejected|TriggerAccepted|RunCompleted|ConsolidationTriggered|GroupCompleted/;

/**
 * The run's event log as a timeline (every event with its actor and reason), read in pages of 5 000,
 * and the hash chain verified in this browser from the same answers.
 */
export function AuditTimeline({ runId }: { runId: string }) {
  const { client } = useSession();
  const [events, setEvents] = useState<Exported[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [complete, setComplete] = useState(false);
  const [onlyNotable, setOnlyNotable] = useState(false);
  const [check, setCheck] = useState<ChainCheck | 'checking' | null>(null);
  const scroller = useRef<HTMLDivElement>(null);

  const loadAll = useCallback(async () => {
    let after = 0;
    const all: Exported[] = [];
    try {
      for (;;) {
        const page = await client.get<Exported[]>(`/runs/${encodeURIComponent(runId)}/events`, {
          after,
          limit: PAGE,
        });
        all.push(...page);
        setEvents([...all]);
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.runSeq;
      }
      setComplete(true);
    } catch (e) {
      setError(e as ApiError);
    }
  }, [client, runId]);
  useEffect(() => {
    void loadAll();
  }, [loadAll]);

  const shown = onlyNotable ? events.filter((e) => NOTABLE.test(e.type)) : events;
  const virtual = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 20,
  });

  return (
    <section className="audit" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit timeline</h2>
      <div className="audit-tools">
        <label>
          <input type="checkbox" checked={onlyNotable} onChange={(e) => setOnlyNotable(e.target.checked)} />{' '}
          operator and lifecycle events only
        </label>
        <button
          type="button"
          disabled={!complete || check === 'checking'}
          onClick={() => {
            setCheck('checking');
            void verifyChain(events).then(setCheck);
          }}
        >
          Verify hash chain
        </button>
        <span role="status" data-testid="chain-status">
          {check === 'checking' && 'verifying…'}
          {check &&
            check !== 'checking' &&
            check.ok &&
            `chain ok: ${check.events} events, head ${check.head.slice(0, 12)}…`}
          {check &&
            check !== 'checking' &&
            !check.ok &&
            `chain broken at run_seq ${check.runSeq}: ${check.problem}`}
        </span>
      </div>
      <ErrorNote error={error} />
      <div className="list-scroll tall" ref={scroller} role="list" aria-label="Run events">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const e = shown[item.index]!;
            const reason = typeof e.payload.reason === 'string' ? e.payload.reason : null;
            return (
              <div
                role="listitem"
                key={e.runSeq}
                className={`event-row${NOTABLE.test(e.type) ? ' notable' : ''}`}
                style={{ position: 'absolute', top: item.start, height: ROW, left: 0, right: 0 }}
              >
                <span className="muted">#{e.runSeq}</span>
                <span>{formatTime(e.occurredAt)}</span>
                <strong>{e.type}</strong>
                <code>{e.taskId ?? ''}</code>
                <span>{e.actor ?? ''}</span>
                <span className="reason">{reason ?? ''}</span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
