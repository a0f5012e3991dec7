import type { GroupRetriedAnswer } from '@tributary/api-contract';
import { useState } from 'react';
import { useSession } from '../session/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ClearedPreview } from './ClearedPreview';

/** `POST /runs/:id/groups/retry`: every instance of the group runs again, and the consolidation after it. */
export function RetryGroupButton({ runId, group, onDone }: { runId: string; group: string; onDone(): void }) {
  const { client } = useSession();
  const [open, setOpen] = useState(false);
  const path = `/runs/${encodeURIComponent(runId)}/groups/retry`;
  return (
    <>
      <button
        type="button"
        className="small"
        onClick={() => setOpen(true)}
        aria-label={`Retry group ${group}`}
      >
        retry
      </button>
      {open && (
        <ConfirmDialog
          title={`Retry group ${group}`}
          confirmLabel="Retry group"
          preview={async () => (
            <ClearedPreview
              ids={(await client.post<GroupRetriedAnswer>(path, { group, dryRun: true })).cleared}
            />
          )}
          act={(reason) => client.post(path, { group, ...(reason ? { reason } : {}) })}
          onClose={(done) => {
            setOpen(false);
            if (done) onDone();
          }}
        />
      )}
    </>
  );
}
