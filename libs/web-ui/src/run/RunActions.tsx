import type { RunViewBody } from '@tributary/api-contract';
import { useState } from 'react';
import { may, useSession } from '../session/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';

/** Run-level actions for operators: cancel a running run (with a required reason, as the api asks). */
export function RunActions({ view, onDone }: { view: RunViewBody; onDone(): void }) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  if (!may(session, 'operator') || view.run.state !== 'running') return null;
  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Cancel run
      </button>
      {open && (
        <ConfirmDialog
          title="Cancel this run"
          confirmLabel="Cancel run"
          reasonRequired
          act={(reason) => session.client.post(`/runs/${encodeURIComponent(view.run.id)}/cancel`, { reason })}
          onClose={(done) => {
            setOpen(false);
            if (done) onDone();
          }}
        >
          <p>Queued and running instances are cancelled; nothing new starts.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
