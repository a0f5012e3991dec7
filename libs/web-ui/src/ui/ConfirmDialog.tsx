import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/api-error';

/**
 * A modal that asks for a reason (recorded with the actor in the audit log) and confirms an action.
 * `preview` (a dry run) is shown before the button is enabled, so the operator sees exactly what will
 * change; `act` performs it and the dialog closes on success or shows the api's refusal.
 */
export function ConfirmDialog(props: {
  title: string;
  confirmLabel: string;
  reasonRequired?: boolean;
  preview?: () => Promise<ReactNode>;
  act(reason: string): Promise<unknown>;
  onClose(done: boolean): void;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<ReactNode>(props.preview ? null : undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    ref.current?.showModal();
    if (props.preview) {
      props
        .preview()
        .then(setPreview, (e: unknown) => setError(e instanceof ApiError ? e.describe() : String(e)));
    }
    // The preview runs once, when the dialog opens.
  }, []);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await props.act(reason.trim());
      ref.current?.close();
      props.onClose(true);
    } catch (e) {
      setError(e instanceof ApiError ? e.describe() : String(e));
      setBusy(false);
    }
  }

  const waiting = props.preview !== undefined && preview === null;
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby="confirm-title"
      onCancel={() => props.onClose(false)}
    >
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      {props.preview && (
        <div className="preview" aria-live="polite">
          {waiting ? <p role="status">Dry run…</p> : preview}
        </div>
      )}
      <label htmlFor="confirm-reason">Reason{props.reasonRequired ? '' : ' (optional)'}</label>
      <input
        id="confirm-reason"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        maxLength={1000}
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="buttons">
        <button type="button" onClick={() => (ref.current?.close(), props.onClose(false))}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || waiting || (props.reasonRequired === true && reason.trim() === '')}
          onClick={() => void confirm()}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
